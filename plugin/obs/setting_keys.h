#pragma once
// The names of the source's settings (saved in scene collections: never rename one without migrating it)
// and of the values of its list settings.

namespace tha4::obs_plugin::keys {

inline constexpr const char* kModelFolder = "model_folder";
inline constexpr const char* kCharacterImage = "character_image";
inline constexpr const char* kEngine = "engine";
inline constexpr const char* kCudaDevice = "cuda_device";
inline constexpr const char* kGpuPrecision = "gpu_precision";
inline constexpr const char* kCpuThreads = "cpu_threads";
inline constexpr const char* kOutputScale = "output_scale";
inline constexpr const char* kStatus = "status";

inline constexpr const char* kTrackingInput = "tracking_input";
inline constexpr const char* kObsVideoSource = "obs_video_source";
inline constexpr const char* kCameraDevice = "camera_device";
inline constexpr const char* kPhoneAddress = "phone_address";
inline constexpr const char* kVmcPort = "vmc_port";
inline constexpr const char* kCalibrate = "calibrate";
inline constexpr const char* kMirror = "mirror";
inline constexpr const char* kSmoothing = "smoothing";
inline constexpr const char* kEyebrowDownMode = "eyebrow_down_mode";
inline constexpr const char* kIrisSize = "iris_size";
inline constexpr const char* kGaze = "gaze";

inline constexpr const char* kBreathsPerMinute = "breaths_per_minute";
inline constexpr const char* kAutoBlink = "auto_blink";

inline constexpr const char* kExpression = "expression";
inline constexpr const char* kBasePose = "base_pose";
inline constexpr const char* kPresetHotkeyMode = "preset_hotkey_mode";

inline constexpr const char* kLipSync = "lip_sync";
inline constexpr const char* kAudioSource = "audio_source";
inline constexpr const char* kLipSyncGain = "lip_sync_gain_db";

// Not shown in the properties: lets tests and the benchmark simulate a slow machine.
inline constexpr const char* kDebugMinRenderMs = "debug_min_render_ms";

// Values of the list settings.
inline constexpr const char* kEngineAuto = "auto";
inline constexpr const char* kEngineCpuFast = "cpu_fast";
inline constexpr const char* kEngineCpuReference = "cpu_reference";
inline constexpr const char* kEngineCuda = "cuda";

inline constexpr const char* kPrecisionBalanced = "balanced";
inline constexpr const char* kPrecisionQuality = "quality";

inline constexpr const char* kInputNone = "none";
inline constexpr const char* kInputObsSource = "obs_source";
inline constexpr const char* kInputCamera = "camera";
inline constexpr const char* kInputIFacialMocap = "ifacialmocap";
inline constexpr const char* kInputVmc = "vmc";

inline constexpr const char* kLipSyncOff = "off";
inline constexpr const char* kLipSyncWhenNoFace = "when_no_face";
inline constexpr const char* kLipSyncAlways = "always";

inline constexpr const char* kHotkeyHold = "hold";
inline constexpr const char* kHotkeyToggle = "toggle";

}  // namespace tha4::obs_plugin::keys
