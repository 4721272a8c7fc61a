#pragma once
// What a source shows in its status line, as one snapshot.

#include <cstdint>
#include <string>

namespace tha4::avatar {

enum class RuntimeState {
  kNoModel,  // nothing chosen yet
  kLoading,  // the worker is loading the model
  kRunning,  // rendering poses
  kError,    // the model cannot run: the still character (or a placeholder) is shown
};

struct RuntimeStatus {
  RuntimeState state = RuntimeState::kNoModel;
  std::string model;     // what is loaded and on which engine
  std::string error;     // in plain words; empty when all is well
  std::string warning;   // e.g. a fallback from CUDA to the CPU
  std::string tracking;  // the tracker's own status ("tracking", "no face", "camera disconnected", ...)
  bool tracking_paused = false;
  std::string texture_path;   // how GPU frames reach OBS's texture (set by the OBS side; empty for CPU engines)
  std::string distillation;   // making a real-time model: progress and time left, or why it stopped ("" none)
  std::string governor;       // what the frame governor does ("30 frames/s", "18 of 30 frames/s (OBS busy)")
  double obs_frame_ms = 0.0;  // OBS's own average frame time, as last seen (0 outside OBS)
  double engine_fps = 0.0;    // frames rendered per second over the last two seconds
  double frame_ms = 0.0;      // median time to render one frame
  double latency_ms = 0.0;    // median time from composing a pose to its frame on the GPU texture
  std::uint64_t frames_rendered = 0;
  std::uint64_t poses_composed = 0;  // by the worker since it started; about 10 per second while nothing moves
  std::uint64_t generation = 0;      // changes whenever the state, the model, an error or a warning changes
};

const char* runtime_state_name(RuntimeState state);

}  // namespace tha4::avatar
