#include "plugin/obs/settings_reader.h"

#include "plugin/obs/setting_keys.h"

#include <obs.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>

namespace tha4::obs_plugin {
namespace {

using avatar::AvatarSettings;

bool equals(const char* a, const char* b) { return a && std::strcmp(a, b) == 0; }

std::string text(obs_data_t* settings, const char* key) {
  const char* value = obs_data_get_string(settings, key);
  return value ? value : "";
}

avatar::EngineChoice engine_choice(const char* value) {
  if (equals(value, keys::kEngineCpuFast)) return avatar::EngineChoice::kCpuFast;
  if (equals(value, keys::kEngineCpuReference)) return avatar::EngineChoice::kCpuReference;
  if (equals(value, keys::kEngineCuda)) return avatar::EngineChoice::kCuda;
  return avatar::EngineChoice::kAuto;
}

avatar::TrackingInput tracking_input(const char* value) {
  if (equals(value, keys::kInputObsSource)) return avatar::TrackingInput::kObsSource;
  if (equals(value, keys::kInputCamera)) return avatar::TrackingInput::kCamera;
  if (equals(value, keys::kInputIFacialMocap)) return avatar::TrackingInput::kIFacialMocap;
  if (equals(value, keys::kInputVmc)) return avatar::TrackingInput::kVmc;
  return avatar::TrackingInput::kNone;
}

avatar::LipSyncMode lip_sync_mode(const char* value) {
  if (equals(value, keys::kLipSyncWhenNoFace)) return avatar::LipSyncMode::kWhenNoFace;
  if (equals(value, keys::kLipSyncAlways)) return avatar::LipSyncMode::kAlways;
  return avatar::LipSyncMode::kOff;
}

tracking::EyebrowDownMode eyebrow_mode(long long value) {
  switch (value) {
    case 0: return tracking::EyebrowDownMode::kTroubled;
    case 2: return tracking::EyebrowDownMode::kLowered;
    case 3: return tracking::EyebrowDownMode::kSerious;
    default: return tracking::EyebrowDownMode::kAngry;
  }
}

}  // namespace

const char* default_model_folder() {
  static const std::string folder = [] {
    const char* root = std::getenv("THA4_MODELS");
    if (!root || !*root) return std::string();
    const std::filesystem::path candidate = std::filesystem::path(root) / "lambda_00";
    std::error_code error;
    return std::filesystem::is_regular_file(candidate / "character_model.yaml", error) ? candidate.string()
                                                                                        : std::string();
  }();
  return folder.c_str();
}

void set_default_settings(obs_data_t* settings) {
  const AvatarSettings defaults;
  obs_data_set_default_string(settings, keys::kModelFolder, default_model_folder());
  obs_data_set_default_string(settings, keys::kCharacterImage, "");
  obs_data_set_default_string(settings, keys::kEngine, keys::kEngineAuto);
  obs_data_set_default_int(settings, keys::kCudaDevice, defaults.cuda_device);
  obs_data_set_default_string(settings, keys::kGpuPrecision, keys::kPrecisionBalanced);
  obs_data_set_default_int(settings, keys::kCpuThreads, defaults.cpu_threads);
  obs_data_set_default_double(settings, keys::kOutputScale, defaults.output_scale);
  obs_data_set_default_string(settings, keys::kTrackingInput, keys::kInputNone);
  obs_data_set_default_string(settings, keys::kObsVideoSource, "");
  obs_data_set_default_string(settings, keys::kCameraDevice, "/dev/video0");
  obs_data_set_default_string(settings, keys::kPhoneAddress, "");
  obs_data_set_default_int(settings, keys::kVmcPort, defaults.vmc_port);
  obs_data_set_default_bool(settings, keys::kMirror, defaults.pose_tuning.mirror);
  obs_data_set_default_double(settings, keys::kSmoothing, defaults.smoothing);
  obs_data_set_default_int(settings, keys::kEyebrowDownMode, 1);
  obs_data_set_default_double(settings, keys::kIrisSize, defaults.pose_tuning.iris_size);
  obs_data_set_default_bool(settings, keys::kGaze, defaults.pose_tuning.gaze);
  obs_data_set_default_double(settings, keys::kBreathsPerMinute, defaults.pose_tuning.breaths_per_minute);
  obs_data_set_default_bool(settings, keys::kAutoBlink, defaults.auto_blink);
  obs_data_set_default_string(settings, keys::kExpression, "");
  obs_data_set_default_string(settings, keys::kBasePose, "");
  obs_data_set_default_string(settings, keys::kPresetHotkeyMode, keys::kHotkeyHold);
  obs_data_set_default_string(settings, keys::kLipSync, keys::kLipSyncOff);
  obs_data_set_default_string(settings, keys::kAudioSource, "");
  obs_data_set_default_double(settings, keys::kLipSyncGain, defaults.lip_sync_gain_db);
  obs_data_set_default_int(settings, keys::kDebugMinRenderMs, 0);
}

AvatarSettings read_settings(obs_data_t* settings) {
  AvatarSettings s;
  s.model_folder = text(settings, keys::kModelFolder);
  s.character_image = text(settings, keys::kCharacterImage);
  s.engine = engine_choice(obs_data_get_string(settings, keys::kEngine));
  s.cuda_device = static_cast<int>(obs_data_get_int(settings, keys::kCudaDevice));
  s.gpu_precision = equals(obs_data_get_string(settings, keys::kGpuPrecision), keys::kPrecisionQuality)
                        ? avatar::GpuPrecision::kQuality
                        : avatar::GpuPrecision::kBalanced;
  s.cpu_threads = static_cast<int>(obs_data_get_int(settings, keys::kCpuThreads));
  s.output_scale = obs_data_get_double(settings, keys::kOutputScale);
  obs_video_info video{};
  if (obs_get_video_info(&video) && video.fps_den > 0) {
    s.display_fps = static_cast<double>(video.fps_num) / video.fps_den;
  }
  s.tracking = tracking_input(obs_data_get_string(settings, keys::kTrackingInput));
  s.obs_video_source = text(settings, keys::kObsVideoSource);
  s.camera_device = text(settings, keys::kCameraDevice);
  s.phone_address = text(settings, keys::kPhoneAddress);
  s.vmc_port = static_cast<int>(obs_data_get_int(settings, keys::kVmcPort));
  s.pose_tuning.mirror = obs_data_get_bool(settings, keys::kMirror);
  s.smoothing = obs_data_get_double(settings, keys::kSmoothing);
  s.pose_tuning.eyebrow_down_mode = eyebrow_mode(obs_data_get_int(settings, keys::kEyebrowDownMode));
  s.pose_tuning.iris_size = obs_data_get_double(settings, keys::kIrisSize);
  s.pose_tuning.gaze = obs_data_get_bool(settings, keys::kGaze);
  s.pose_tuning.breaths_per_minute = obs_data_get_double(settings, keys::kBreathsPerMinute);
  s.auto_blink = obs_data_get_bool(settings, keys::kAutoBlink);
  s.expression = text(settings, keys::kExpression);
  s.base_pose = text(settings, keys::kBasePose);
  s.preset_hotkey_mode = equals(obs_data_get_string(settings, keys::kPresetHotkeyMode), keys::kHotkeyToggle)
                             ? avatar::PresetHotkeyMode::kToggle
                             : avatar::PresetHotkeyMode::kHold;
  s.lip_sync = lip_sync_mode(obs_data_get_string(settings, keys::kLipSync));
  s.audio_source = text(settings, keys::kAudioSource);
  s.lip_sync_gain_db = obs_data_get_double(settings, keys::kLipSyncGain);
  s.debug_min_render_ms = static_cast<int>(obs_data_get_int(settings, keys::kDebugMinRenderMs));
  return s;
}

}  // namespace tha4::obs_plugin
