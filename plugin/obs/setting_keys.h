#pragma once
// The names of settings and list values that code outside setting_table.cpp refers to (the properties'
// visibility callbacks and status line). Every other name is spelled once, in its table row. All of them are
// saved in scene collections: never rename one without migrating it.

namespace tha4::obs_plugin::keys {

inline constexpr const char* kEngine = "engine";
inline constexpr const char* kCudaDevice = "cuda_device";
inline constexpr const char* kGpuPrecision = "gpu_precision";
inline constexpr const char* kCpuThreads = "cpu_threads";
inline constexpr const char* kStatus = "status";  // the status line: not saved

inline constexpr const char* kTrackingInput = "tracking_input";
inline constexpr const char* kObsVideoSource = "obs_video_source";
inline constexpr const char* kCameraDevice = "camera_device";
inline constexpr const char* kPhoneAddress = "phone_address";
inline constexpr const char* kVmcPort = "vmc_port";
inline constexpr const char* kOpenSeeFacePort = "openseeface_port";
inline constexpr const char* kCalibrate = "calibrate";  // a button: not saved

inline constexpr const char* kModelFolder = "model_folder";
inline constexpr const char* kCharacterImage = "character_image";
inline constexpr const char* kDistillStart = "distill_start";  // buttons: not saved
inline constexpr const char* kDistillStop = "distill_stop";
inline constexpr const char* kDistillPicture = "distill_picture";
inline constexpr const char* kDistillPrefix = "distill_prefix";
inline constexpr const char* kDistillActive = "distill_active";

inline constexpr const char* kLipSync = "lip_sync";
inline constexpr const char* kAudioSource = "audio_source";
inline constexpr const char* kLipSyncGain = "lip_sync_gain_db";

// Values of the list settings above.
inline constexpr const char* kEngineAuto = "auto";
inline constexpr const char* kEngineCpuFast = "cpu_fast";
inline constexpr const char* kEngineCpuReference = "cpu_reference";
inline constexpr const char* kEngineCuda = "cuda";

inline constexpr const char* kInputNone = "none";
inline constexpr const char* kInputObsSource = "obs_source";
inline constexpr const char* kInputCamera = "camera";
inline constexpr const char* kInputIFacialMocap = "ifacialmocap";
inline constexpr const char* kInputVmc = "vmc";
inline constexpr const char* kInputOpenSeeFace = "openseeface";

inline constexpr const char* kLipSyncOff = "off";

}  // namespace tha4::obs_plugin::keys
