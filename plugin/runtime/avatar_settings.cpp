#include "plugin/runtime/avatar_settings.h"

#include <tuple>

namespace tha4::avatar {

bool model_settings_differ(const AvatarSettings& a, const AvatarSettings& b) {
  return std::tie(a.model_folder, a.character_image, a.engine, a.cuda_device, a.gpu_precision, a.cpu_threads) !=
         std::tie(b.model_folder, b.character_image, b.engine, b.cuda_device, b.gpu_precision, b.cpu_threads);
}

bool tracking_settings_differ(const AvatarSettings& a, const AvatarSettings& b) {
  // Everything the trackers are built with (mirror, gaze and breathing are part of their mappings).
  return std::tie(a.tracking, a.obs_video_source, a.camera_device, a.phone_address, a.vmc_port, a.mirror,
                  a.eyebrow_down_mode, a.gaze, a.breaths_per_minute) !=
         std::tie(b.tracking, b.obs_video_source, b.camera_device, b.phone_address, b.vmc_port, b.mirror,
                  b.eyebrow_down_mode, b.gaze, b.breaths_per_minute);
}

}  // namespace tha4::avatar
