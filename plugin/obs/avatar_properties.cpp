#include "plugin/obs/avatar_properties.h"

#include "plugin/obs/avatar_source.h"
#include "plugin/obs/preset_labels.h"
#include "plugin/obs/setting_keys.h"

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

void add_source_list(obs_properties_t* group, const char* key, const char* label, std::uint32_t flag) {
  obs_property_t* list = obs_properties_add_list(group, key, label, OBS_COMBO_TYPE_LIST, OBS_COMBO_FORMAT_STRING);
  obs_property_list_add_string(list, T("None"), "");
  SourceList sources{flag, {}};
  obs_enum_sources(collect_source, &sources);
  std::sort(sources.names.begin(), sources.names.end());
  for (const auto& name : sources.names) obs_property_list_add_string(list, name.c_str(), name.c_str());
}

void add_camera_devices(obs_properties_t* group) {
  obs_property_t* list = obs_properties_add_list(group, keys::kCameraDevice, T("CameraDevice"),
                                                 OBS_COMBO_TYPE_EDITABLE, OBS_COMBO_FORMAT_STRING);
  std::vector<std::string> devices;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator("/dev", error)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("video", 0) == 0) devices.push_back(entry.path().string());
  }
  std::sort(devices.begin(), devices.end());
  for (const auto& device : devices) obs_property_list_add_string(list, device.c_str(), device.c_str());
}

// Shows the settings of the chosen tracking input only.
bool tracking_input_changed(obs_properties_t* props, obs_property_t*, obs_data_t* settings) {
  const std::string input = obs_data_get_string(settings, keys::kTrackingInput);
  obs_property_set_visible(obs_properties_get(props, keys::kObsVideoSource), input == keys::kInputObsSource);
  obs_property_set_visible(obs_properties_get(props, keys::kCameraDevice), input == keys::kInputCamera);
  obs_property_set_visible(obs_properties_get(props, keys::kPhoneAddress), input == keys::kInputIFacialMocap);
  obs_property_set_visible(obs_properties_get(props, keys::kVmcPort), input == keys::kInputVmc);
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

void add_status(obs_properties_t* props, const AvatarSource& avatar) {
  const avatar::RuntimeStatus status = avatar.runtime->status();
  obs_property_t* line = obs_properties_add_text(props, keys::kStatus, status_text(status).c_str(), OBS_TEXT_INFO);
  obs_property_text_set_info_type(line, !status.error.empty()     ? OBS_TEXT_INFO_ERROR
                                        : !status.warning.empty() ? OBS_TEXT_INFO_WARNING
                                                                  : OBS_TEXT_INFO_NORMAL);
  obs_property_text_set_info_word_wrap(line, true);
}

obs_properties_t* character_group() {
  obs_properties_t* group = obs_properties_create();
  obs_property_t* folder = obs_properties_add_path(group, keys::kModelFolder, T("ModelFolder"), OBS_PATH_DIRECTORY,
                                                   nullptr, nullptr);
  obs_property_set_long_description(folder, T("ModelFolder.Help"));
  obs_properties_add_path(group, keys::kCharacterImage, T("CharacterImage"), OBS_PATH_FILE,
                          "PNG (*.png);;All files (*.*)", nullptr);
  obs_property_t* engine =
      obs_properties_add_list(group, keys::kEngine, T("Engine"), OBS_COMBO_TYPE_LIST, OBS_COMBO_FORMAT_STRING);
  obs_property_list_add_string(engine, T("Engine.Auto"), keys::kEngineAuto);
  obs_property_list_add_string(engine, T("Engine.CpuFast"), keys::kEngineCpuFast);
  obs_property_list_add_string(engine, T("Engine.CpuReference"), keys::kEngineCpuReference);
  obs_property_list_add_string(engine, T("Engine.Cuda"), keys::kEngineCuda);
  obs_property_set_modified_callback(engine, engine_changed);
  obs_properties_add_int(group, keys::kCudaDevice, T("CudaDevice"), 0, 15, 1);
  obs_property_t* precision = obs_properties_add_list(group, keys::kGpuPrecision, T("GpuPrecision"),
                                                      OBS_COMBO_TYPE_LIST, OBS_COMBO_FORMAT_STRING);
  obs_property_list_add_string(precision, T("GpuPrecision.Balanced"), keys::kPrecisionBalanced);
  obs_property_list_add_string(precision, T("GpuPrecision.Quality"), keys::kPrecisionQuality);
  obs_property_t* threads = obs_properties_add_int(group, keys::kCpuThreads, T("CpuThreads"), 0, 64, 1);
  obs_property_set_long_description(threads, T("CpuThreads.Help"));
  obs_property_t* scale =
      obs_properties_add_float_slider(group, keys::kOutputScale, T("OutputScale"), 0.25, 2.0, 0.05);
  obs_property_float_set_suffix(scale, "×");
  return group;
}

obs_properties_t* tracking_group() {
  obs_properties_t* group = obs_properties_create();
  obs_property_t* input = obs_properties_add_list(group, keys::kTrackingInput, T("TrackingInput"),
                                                  OBS_COMBO_TYPE_LIST, OBS_COMBO_FORMAT_STRING);
  obs_property_list_add_string(input, T("TrackingInput.None"), keys::kInputNone);
  obs_property_list_add_string(input, T("TrackingInput.ObsSource"), keys::kInputObsSource);
  obs_property_list_add_string(input, T("TrackingInput.Camera"), keys::kInputCamera);
  obs_property_list_add_string(input, T("TrackingInput.IFacialMocap"), keys::kInputIFacialMocap);
  obs_property_list_add_string(input, T("TrackingInput.Vmc"), keys::kInputVmc);
  obs_property_set_modified_callback(input, tracking_input_changed);
  add_source_list(group, keys::kObsVideoSource, T("ObsVideoSource"), OBS_SOURCE_VIDEO);
  add_camera_devices(group);
  obs_property_t* phone = obs_properties_add_text(group, keys::kPhoneAddress, T("PhoneAddress"), OBS_TEXT_DEFAULT);
  obs_property_set_long_description(phone, T("PhoneAddress.Help"));
  obs_properties_add_int(group, keys::kVmcPort, T("VmcPort"), 1, 65535, 1);
  obs_properties_add_button(group, keys::kCalibrate, T("Calibrate"), calibrate_clicked);
  obs_properties_add_bool(group, keys::kMirror, T("Mirror"));
  obs_properties_add_float_slider(group, keys::kSmoothing, T("Smoothing"), 0.0, 1.0, 0.05);
  obs_property_t* brows = obs_properties_add_list(group, keys::kEyebrowDownMode, T("EyebrowDownMode"),
                                                  OBS_COMBO_TYPE_LIST, OBS_COMBO_FORMAT_INT);
  obs_property_list_add_int(brows, T("EyebrowDownMode.Troubled"), 0);
  obs_property_list_add_int(brows, T("EyebrowDownMode.Angry"), 1);
  obs_property_list_add_int(brows, T("EyebrowDownMode.Lowered"), 2);
  obs_property_list_add_int(brows, T("EyebrowDownMode.Serious"), 3);
  obs_properties_add_float_slider(group, keys::kIrisSize, T("IrisSize"), 0.0, 1.0, 0.05);
  obs_properties_add_bool(group, keys::kGaze, T("Gaze"));
  return group;
}

obs_properties_t* animation_group() {
  obs_properties_t* group = obs_properties_create();
  obs_property_t* breathing =
      obs_properties_add_float_slider(group, keys::kBreathsPerMinute, T("BreathsPerMinute"), 0.0, 60.0, 1.0);
  obs_property_set_long_description(breathing, T("BreathsPerMinute.Help"));
  obs_properties_add_bool(group, keys::kAutoBlink, T("AutoBlink"));
  obs_property_t* expression = obs_properties_add_list(group, keys::kExpression, T("Expression"), OBS_COMBO_TYPE_LIST,
                                                       OBS_COMBO_FORMAT_STRING);
  obs_property_list_add_string(expression, T("None"), "");
  for (const auto& preset : module_presets()) {
    obs_property_list_add_string(expression, preset_label(preset.id).c_str(), preset.id.c_str());
  }
  obs_property_t* hotkeys = obs_properties_add_list(group, keys::kPresetHotkeyMode, T("PresetHotkeyMode"),
                                                    OBS_COMBO_TYPE_LIST, OBS_COMBO_FORMAT_STRING);
  obs_property_list_add_string(hotkeys, T("PresetHotkeyMode.Hold"), keys::kHotkeyHold);
  obs_property_list_add_string(hotkeys, T("PresetHotkeyMode.Toggle"), keys::kHotkeyToggle);
  obs_property_t* base = obs_properties_add_text(group, keys::kBasePose, T("BasePose"), OBS_TEXT_DEFAULT);
  obs_property_set_long_description(base, T("BasePose.Help"));
  return group;
}

obs_properties_t* lip_sync_group() {
  obs_properties_t* group = obs_properties_create();
  obs_property_t* mode =
      obs_properties_add_list(group, keys::kLipSync, T("LipSync"), OBS_COMBO_TYPE_LIST, OBS_COMBO_FORMAT_STRING);
  obs_property_list_add_string(mode, T("LipSync.Off"), keys::kLipSyncOff);
  obs_property_list_add_string(mode, T("LipSync.WhenNoFace"), keys::kLipSyncWhenNoFace);
  obs_property_list_add_string(mode, T("LipSync.Always"), keys::kLipSyncAlways);
  obs_property_set_modified_callback(mode, lip_sync_changed);
  add_source_list(group, keys::kAudioSource, T("AudioSource"), OBS_SOURCE_AUDIO);
  obs_property_t* gain =
      obs_properties_add_float_slider(group, keys::kLipSyncGain, T("LipSyncGain"), -20.0, 30.0, 1.0);
  obs_property_float_set_suffix(gain, " dB");
  return group;
}

}  // namespace

obs_properties_t* get_avatar_properties(void* data) {
  obs_properties_t* props = obs_properties_create();
  if (data) add_status(props, *static_cast<AvatarSource*>(data));
  obs_properties_add_group(props, "character", T("Group.Character"), OBS_GROUP_NORMAL, character_group());
  obs_properties_add_group(props, "tracking", T("Group.Tracking"), OBS_GROUP_NORMAL, tracking_group());
  obs_properties_add_group(props, "animation", T("Group.Animation"), OBS_GROUP_NORMAL, animation_group());
  obs_properties_add_group(props, "lip_sync_group", T("Group.LipSync"), OBS_GROUP_NORMAL, lip_sync_group());
  return props;
}

}  // namespace tha4::obs_plugin
