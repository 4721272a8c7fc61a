#include "plugin/obs/avatar_properties.h"

#include "plugin/obs/avatar_source.h"
#include "plugin/obs/preset_labels.h"
#include "plugin/obs/setting_keys.h"
#include "plugin/obs/setting_table.h"

#include <obs-module.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

namespace tha4::obs_plugin {
namespace {

const char* T(const char* key) { return obs_module_text(key); }

struct SourceList {
  std::uint32_t required_flag;
  std::vector<std::string> names;
};

bool collect_source(void* param, obs_source_t* source) {
  auto* list = static_cast<SourceList*>(param);
  const char* id = obs_source_get_id(source);
  if (id && std::strcmp(id, kAvatarSourceId) == 0) return true;  // never track or listen to an avatar
  if ((obs_source_get_output_flags(source) & list->required_flag) == 0) return true;
  if (const char* name = obs_source_get_name(source)) list->names.emplace_back(name);
  return true;
}

obs_property_t* add_source_list(obs_properties_t* group, const Setting& setting, const char* label,
                                std::uint32_t flag) {
  obs_property_t* list =
      obs_properties_add_list(group, setting.key, label, OBS_COMBO_TYPE_LIST, OBS_COMBO_FORMAT_STRING);
  obs_property_list_add_string(list, T("None"), "");
  SourceList sources{flag, {}};
  obs_enum_sources(collect_source, &sources);
  std::sort(sources.names.begin(), sources.names.end());
  for (const auto& name : sources.names) obs_property_list_add_string(list, name.c_str(), name.c_str());
  return list;
}

obs_property_t* add_camera_devices(obs_properties_t* group, const Setting& setting, const char* label) {
  obs_property_t* list =
      obs_properties_add_list(group, setting.key, label, OBS_COMBO_TYPE_EDITABLE, OBS_COMBO_FORMAT_STRING);
  std::vector<std::string> devices;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator("/dev", error)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("video", 0) == 0) devices.push_back(entry.path().string());
  }
  std::sort(devices.begin(), devices.end());
  for (const auto& device : devices) obs_property_list_add_string(list, device.c_str(), device.c_str());
  return list;
}

obs_property_t* add_expressions(obs_properties_t* group, const Setting& setting, const char* label) {
  obs_property_t* list =
      obs_properties_add_list(group, setting.key, label, OBS_COMBO_TYPE_LIST, OBS_COMBO_FORMAT_STRING);
  obs_property_list_add_string(list, T("None"), "");
  for (const auto& preset : module_presets()) {
    obs_property_list_add_string(list, preset_label(preset.id).c_str(), preset.id.c_str());
  }
  return list;
}

obs_property_t* add_choices(obs_properties_t* group, const Setting& setting, const char* label) {
  const bool numbers = setting.widget == Widget::kNumberList;
  obs_property_t* list = obs_properties_add_list(group, setting.key, label, OBS_COMBO_TYPE_LIST,
                                                 numbers ? OBS_COMBO_FORMAT_INT : OBS_COMBO_FORMAT_STRING);
  for (const Choice& choice : setting.choices) {
    if (numbers) {
      obs_property_list_add_int(list, T(choice.label), choice.saved_number);
    } else {
      obs_property_list_add_string(list, T(choice.label), choice.saved_text);
    }
  }
  return list;
}

// Shows the settings of the chosen tracking input only.
bool tracking_input_changed(obs_properties_t* props, obs_property_t*, obs_data_t* settings) {
  const std::string input = obs_data_get_string(settings, keys::kTrackingInput);
  obs_property_set_visible(obs_properties_get(props, keys::kObsVideoSource), input == keys::kInputObsSource);
  obs_property_set_visible(obs_properties_get(props, keys::kCameraDevice), input == keys::kInputCamera);
  obs_property_set_visible(obs_properties_get(props, keys::kPhoneAddress), input == keys::kInputIFacialMocap);
  obs_property_set_visible(obs_properties_get(props, keys::kVmcPort), input == keys::kInputVmc);
  obs_property_set_visible(obs_properties_get(props, keys::kOpenSeeFacePort), input == keys::kInputOpenSeeFace);
  obs_property_set_visible(obs_properties_get(props, keys::kCalibrate), input != keys::kInputNone);
  return true;
}

bool engine_changed(obs_properties_t* props, obs_property_t*, obs_data_t* settings) {
  const std::string engine = obs_data_get_string(settings, keys::kEngine);
  const bool gpu = engine == keys::kEngineCuda || engine == keys::kEngineAuto;
  obs_property_set_visible(obs_properties_get(props, keys::kCudaDevice), gpu);
  obs_property_set_visible(obs_properties_get(props, keys::kGpuPrecision), gpu);
  obs_property_set_visible(obs_properties_get(props, keys::kCpuThreads), engine != keys::kEngineCuda);
  return true;
}

bool lip_sync_changed(obs_properties_t* props, obs_property_t*, obs_data_t* settings) {
  const bool on = std::string(obs_data_get_string(settings, keys::kLipSync)) != keys::kLipSyncOff;
  obs_property_set_visible(obs_properties_get(props, keys::kAudioSource), on);
  obs_property_set_visible(obs_properties_get(props, keys::kLipSyncGain), on);
  return true;
}

bool calibrate_clicked(obs_properties_t*, obs_property_t*, void* data) {
  if (data) static_cast<AvatarSource*>(data)->runtime->calibrate();
  return false;
}

// The picture the source shows, and a name for its run: the character image setting (its file name), else
// the model folder's character.png (the folder's name: every student's picture is called character.png).
struct Picture {
  std::filesystem::path file;
  std::string name = "character";
};
Picture picture_of(obs_data_t* settings) {
  const std::filesystem::path image = obs_data_get_string(settings, keys::kCharacterImage);
  if (!image.empty()) return {image, image.stem().string()};
  const std::filesystem::path model = obs_data_get_string(settings, keys::kModelFolder);
  std::error_code error;
  const std::filesystem::path picture = model / "character.png";
  if (model.empty() || !std::filesystem::is_regular_file(picture, error)) return {};
  const std::filesystem::path folder = model.filename().empty() ? model.parent_path() : model;
  return {picture, folder.filename().string()};
}

// Starts (or resumes) making a real-time model of the source's picture, in OBS's config folder for the plugin
// (<config>/plugin_config/tha4-avatar/distill/<picture name>); the worker starts the process.
bool distill_start_clicked(obs_properties_t*, obs_property_t*, void* data) {
  if (!data) return false;
  obs_source_t* source = static_cast<AvatarSource*>(data)->source;
  obs_data_t* settings = obs_source_get_settings(source);
  const Picture picture = picture_of(settings);
  const std::string same_picture = obs_data_get_string(settings, keys::kDistillPicture);
  // A new picture gets its own run; the same one resumes its run.
  if (std::string(obs_data_get_string(settings, keys::kDistillPrefix)).empty() ||
      same_picture != picture.file.string()) {
    char* prefix = obs_module_config_path(("distill/" + picture.name).c_str());
    obs_data_set_string(settings, keys::kDistillPrefix, prefix ? prefix : "");
    bfree(prefix);
  }
  obs_data_set_string(settings, keys::kDistillPicture, picture.file.string().c_str());
  obs_data_set_bool(settings, keys::kDistillActive, true);
  obs_source_update(source, settings);
  obs_data_release(settings);
  return true;
}

bool distill_stop_clicked(obs_properties_t*, obs_property_t*, void* data) {
  if (!data) return false;
  obs_source_t* source = static_cast<AvatarSource*>(data)->source;
  obs_data_t* settings = obs_data_create();
  obs_data_set_bool(settings, keys::kDistillActive, false);
  obs_source_update(source, settings);
  obs_data_release(settings);
  return true;
}

void add_status(obs_properties_t* props, const AvatarSource& avatar) {
  const avatar::RuntimeStatus status = avatar.runtime->status();
  obs_property_t* line = obs_properties_add_text(props, keys::kStatus, status_text(status).c_str(), OBS_TEXT_INFO);
  obs_property_text_set_info_type(line, !status.error.empty()     ? OBS_TEXT_INFO_ERROR
                                        : !status.warning.empty() ? OBS_TEXT_INFO_WARNING
                                                                  : OBS_TEXT_INFO_NORMAL);
  obs_property_text_set_info_word_wrap(line, true);
}

// The settings whose value shows or hides others.
obs_property_modified_t visibility_callback(const char* key) {
  if (std::strcmp(key, keys::kEngine) == 0) return engine_changed;
  if (std::strcmp(key, keys::kTrackingInput) == 0) return tracking_input_changed;
  if (std::strcmp(key, keys::kLipSync) == 0) return lip_sync_changed;
  return nullptr;
}

obs_property_t* add_property(obs_properties_t* group, const Setting& setting) {
  const char* label = T(setting.label);
  const NumberRange& range = setting.range;
  switch (setting.widget) {
    case Widget::kCheckbox: return obs_properties_add_bool(group, setting.key, label);
    case Widget::kInteger:
      return obs_properties_add_int(group, setting.key, label, static_cast<int>(range.min), static_cast<int>(range.max),
                                    static_cast<int>(range.step));
    case Widget::kSlider: {
      obs_property_t* slider =
          obs_properties_add_float_slider(group, setting.key, label, range.min, range.max, range.step);
      if (setting.suffix) obs_property_float_set_suffix(slider, setting.suffix);
      return slider;
    }
    case Widget::kText: return obs_properties_add_text(group, setting.key, label, OBS_TEXT_DEFAULT);
    case Widget::kFolder:
      return obs_properties_add_path(group, setting.key, label, OBS_PATH_DIRECTORY, nullptr, nullptr);
    case Widget::kFile:
      return obs_properties_add_path(group, setting.key, label, OBS_PATH_FILE, setting.file_filter, nullptr);
    case Widget::kList:
    case Widget::kNumberList: return add_choices(group, setting, label);
    case Widget::kVideoSources: return add_source_list(group, setting, label, OBS_SOURCE_VIDEO);
    case Widget::kAudioSources: return add_source_list(group, setting, label, OBS_SOURCE_AUDIO);
    case Widget::kCameraDevices: return add_camera_devices(group, setting, label);
    case Widget::kExpressions: return add_expressions(group, setting, label);
    case Widget::kCalibrateButton: return obs_properties_add_button(group, setting.key, label, calibrate_clicked);
    case Widget::kDistillStartButton:
      return obs_properties_add_button(group, setting.key, label, distill_start_clicked);
    case Widget::kDistillStopButton: return obs_properties_add_button(group, setting.key, label, distill_stop_clicked);
    case Widget::kHidden: return nullptr;
  }
  return nullptr;
}

obs_properties_t* group_properties(const SettingGroup& group) {
  obs_properties_t* props = obs_properties_create();
  for (const Setting& setting : group.settings) {
    obs_property_t* property = add_property(props, setting);
    if (!property) continue;
    if (setting.help) obs_property_set_long_description(property, T(setting.help));
    if (const obs_property_modified_t callback = visibility_callback(setting.key)) {
      obs_property_set_modified_callback(property, callback);
    }
  }
  return props;
}

}  // namespace

obs_properties_t* get_avatar_properties(void* data) {
  obs_properties_t* props = obs_properties_create();
  if (data) add_status(props, *static_cast<AvatarSource*>(data));
  for (const SettingGroup& group : setting_table()) {
    if (!group.label) continue;
    obs_properties_add_group(props, group.name, T(group.label), OBS_GROUP_NORMAL, group_properties(group));
  }
  return props;
}

}  // namespace tha4::obs_plugin
