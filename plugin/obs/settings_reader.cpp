#include "plugin/obs/settings_reader.h"

#include "plugin/obs/setting_table.h"

#include <obs.h>

namespace tha4::obs_plugin {

void set_default_settings(obs_data_t* settings) {
  for (const SettingGroup& group : setting_table()) {
    for (const Setting& setting : group.settings) setting.set_default(settings);
  }
}

avatar::AvatarSettings read_settings(obs_data_t* settings) {
  avatar::AvatarSettings s;
  for (const SettingGroup& group : setting_table()) {
    for (const Setting& setting : group.settings) setting.read(settings, s);
  }
  // Not a setting of the source: the renderer aims for OBS's frame rate.
  obs_video_info video{};
  if (obs_get_video_info(&video) && video.fps_den > 0) {
    s.display_fps = static_cast<double>(video.fps_num) / video.fps_den;
  }
  return s;
}

}  // namespace tha4::obs_plugin
