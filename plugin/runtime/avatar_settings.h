#pragma once
// Everything a user can set on an avatar source, as plain values. The OBS layer fills it from the source's
// settings, one row of plugin/obs/setting_table.cpp per member (which is also where a new member gets its key,
// label and range); the runtime only reads it. No OBS, no LibTorch types here.

#include "tracking/common/pose_tuning.h"

#include <cstdint>
#include <string>

namespace tha4::avatar {

enum class EngineChoice {
  kAuto,          // CUDA when this build and machine have it, else the fast CPU engine
  kCpuFast,       // the folded, fused CPU engine (inference/fast/)
  kCpuReference,  // LibTorch with the reference's operations: exact, slow
  kCuda,          // LibTorch on an NVIDIA GPU
};

// The fused CUDA engine's arithmetic (THA4_CUDA builds): fp16 tensor cores, or fp32 bit-equal to the CPU.
enum class GpuPrecision { kBalanced, kQuality };

enum class TrackingInput {
  kNone,          // idle animation and the manual pose only
  kObsSource,     // frames of another OBS video source (a webcam already in the scene)
  kCamera,        // a camera device opened by the plugin itself
  kIFacialMocap,  // the iFacialMocap iPhone app over UDP
  kVmc,           // a VMC protocol sender (VSeeFace, Warudo, ...) over UDP
  kOpenSeeFace,   // OpenSeeFace's facetracker.py (the webcam tracker of VSeeFace) over UDP
};

enum class LipSyncMode {
  kOff,
  kWhenNoFace,  // the audio drives the mouth while no face is tracked
  kAlways,      // blended with tracking all the time
};

enum class PresetHotkeyMode { kHold, kToggle };

struct AvatarSettings {
  // Model
  std::string model_folder;     // a character_model.yaml folder, or a full-system weights folder
  std::string character_image;  // the character PNG used with a full-system folder
  EngineChoice engine = EngineChoice::kAuto;
  int cuda_device = 0;
  GpuPrecision gpu_precision = GpuPrecision::kBalanced;
  int cpu_threads = 0;  // 0: half the hardware threads, so OBS and its encoder keep theirs

  // Output
  double output_scale = 1.0;  // the source is 512·scale pixels square; OBS scales the texture
  double display_fps = 30.0;  // OBS's frame rate: the renderer aims for it
  int max_fps = 0;            // the user's frame-rate cap; 0: OBS's rate
  bool governor = true;       // lower the frame rate (then the GPU precision) while OBS or the machine is busy

  // Tracking
  TrackingInput tracking = TrackingInput::kNone;
  std::string obs_video_source;  // by name, for kObsSource
  std::string camera_device;     // e.g. /dev/video0, for kCamera
  std::string phone_address;     // the iPhone's IPv4 address, for kIFacialMocap
  int vmc_port = 39539;
  int openseeface_port = 11573;
  // Mirror, eyebrows, gaze, iris size and breathing (which the idle animation shares with the trackers).
  tracking::PoseTuning pose_tuning;
  double smoothing = 0.3;  // 0 none .. 1 heavy

  // Idle animation (applies while no face is tracked)
  bool auto_blink = true;

  // Expressions
  std::string base_pose;   // "name=value, ..." under everything (the pose when nothing tracks)
  std::string expression;  // a preset layered over tracking all the time ("" none)
  PresetHotkeyMode preset_hotkey_mode = PresetHotkeyMode::kHold;

  // Lip sync
  LipSyncMode lip_sync = LipSyncMode::kOff;
  std::string audio_source;  // by name
  double lip_sync_gain_db = 0.0;

  // Making a real-time model of the picture (the properties' buttons; inference/distill via a separate
  // process, distillation_job.h). The source shows the run's newest snapshot, then its finished model; before
  // the run has learnt the face, a source without a model of its own shows the full system (the teacher)
  // where this machine renders it fast enough, else the still picture.
  std::string distill_picture;  // the character picture the button found
  std::string distill_prefix;   // the run's folder
  std::string distill_teacher;  // the full system's weights
  bool distill_active = false;  // started and not stopped: runs (again after OBS restarts) until finished

  // For tests and benchmarks only (not in the properties): every render takes at least this long, which
  // simulates a slow machine.
  int debug_min_render_ms = 0;
  // The longest frame the full system may take to stand in while a real-time model is made; 0: one frame at the
  // governor's floor rate (200 ms). Tests: the reduced teacher on a CPU.
  int debug_full_system_budget_ms = 0;
  // Tests: the reduced teacher's sizes file (for the run, and for the full system standing in while it runs)
  // and more `tha4 distill run` arguments (space-separated).
  std::string debug_distill_teacher_sizes;
  std::string debug_distill_run_arguments;
};

// True when switching from `a` to `b` needs the model loaded again (on the worker).
bool model_settings_differ(const AvatarSettings& a, const AvatarSettings& b);
// True when the tracker has to be recreated.
bool tracking_settings_differ(const AvatarSettings& a, const AvatarSettings& b);
// The tuning the trackers are built with.
tracking::PoseTuning tracker_tuning(const AvatarSettings& settings);

}  // namespace tha4::avatar
