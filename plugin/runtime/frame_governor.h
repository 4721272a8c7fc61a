#pragma once
// The avatar is a guest on the streamer's machine: the game and OBS come first. The governor lowers the
// avatar's frame rate when OBS's own frames take long or lag, or when the engine's frames take much longer
// than they do on a calm machine (something else wants the cores), and on the GPU engine then drops to
// reduced precision; it climbs back once the machine has been calm for a while. Pure logic: the worker feeds
// it OBS's numbers and its own render times.
//
// The rules, judged once per `kWindowSeconds`:
//   busy  — OBS lagged a frame in the window, or OBS's average frame time is over `kObsBusyShare` of its
//           frame interval, or the avatar's mean render time is over `kSlowdown` times its calm render time
//           (the lowest window mean since the model was loaded, rising by `kCalmDrift` a window so that
//           a lasting change becomes the new calm in about a minute);
//   calm  — OBS under `kObsCalmShare` of its interval with no lag, and the render time under `kCalmSlowdown`
//           times the calm one.
// A busy window sets the frame rate to `kStepDown` of what the avatar really achieved (so a slow engine gets
// real idle time, not a lower target it never reached), not under `kFloorFps`; at the floor, the precision is
// reduced where it can be. `kCalmWindowsToRecover` calm windows in a row undo one step, the precision first.
// Between the thresholds nothing changes (no see-saw).

#include <cstdint>
#include <string>
#include <tuple>

namespace tha4::avatar {

// OBS's own load, read on its graphics thread each video_tick.
struct ObsLoad {
  double frame_ms = 0.0;            // obs_get_average_frame_time_ns: OBS's mean time to render a frame
  double interval_ms = 0.0;         // its frame interval (33.3 ms at 30 fps); 0: unknown (no OBS)
  std::uint32_t lagged_frames = 0;  // obs_get_lagged_frames: frames OBS could not render in time, in total
};

struct GovernorSettings {
  bool enabled = true;
  double display_fps = 30.0;        // OBS's frame rate
  double max_fps = 0.0;             // the user's cap; 0: none (OBS's rate)
  bool precision_can_drop = false;  // the CUDA engine at full precision: fp16 is a step further down
};
inline bool operator==(const GovernorSettings& a, const GovernorSettings& b) {
  return std::tie(a.enabled, a.display_fps, a.max_fps, a.precision_can_drop) ==
         std::tie(b.enabled, b.display_fps, b.max_fps, b.precision_can_drop);
}

class FrameGovernor {
 public:
  static constexpr double kWindowSeconds = 1.0;
  static constexpr double kObsBusyShare = 0.5;
  static constexpr double kObsCalmShare = 0.3;
  static constexpr double kSlowdown = 1.4;
  static constexpr double kCalmSlowdown = 1.15;
  static constexpr double kCalmDrift = 1.005;
  static constexpr double kStepDown = 0.75;
  static constexpr double kFloorFps = 5.0;
  static constexpr int kCalmWindowsToRecover = 3;

  // New settings: a changed cap or rate starts again from the cap.
  void configure(const GovernorSettings& settings);
  // A model was (re)loaded: its render time is learnt anew.
  void new_model() { calm_render_ms_ = 0.0; }
  // The worker, after each frame it rendered (render_ms) or composed without rendering (render_ms = 0).
  // Returns true when it judged a window: only then can the rate, the precision or the summary change.
  bool observe(double now_s, const ObsLoad& obs, double render_ms);

  // The frame rate the avatar aims for now: the ceiling when calm or disabled.
  double target_fps() const { return settings_.enabled ? target_fps_ : ceiling_fps(); }
  // The rate the user allows: min(OBS's rate, the cap).
  double ceiling_fps() const;
  bool reduced_precision() const { return reduced_precision_; }
  // Whether the governor holds the avatar below its ceiling or precision now.
  bool holding_back() const { return settings_.enabled && (target_fps_ < ceiling_fps() || reduced_precision_); }
  // For the status line: "off, 30 frames/s", "up to 30 frames/s", "at most 12 of 30 frames/s, reduced
  // precision (OBS busy)".
  std::string summary() const;

 private:
  enum class Pressure { kNone, kObsBusy, kObsLagging, kMachineBusy };
  void judge_window(double window_s);
  void start_window(double now_s, std::uint32_t lagged_frames);

  GovernorSettings settings_;
  double target_fps_ = 30.0;
  bool reduced_precision_ = false;
  int calm_windows_ = 0;
  double calm_render_ms_ = 0.0;  // 0: not known yet
  Pressure last_pressure_ = Pressure::kNone;

  // The window being measured.
  double window_start_s_ = -1.0;
  std::uint32_t window_lagged_start_ = 0;
  double render_ms_sum_ = 0.0;
  int renders_ = 0;
  ObsLoad last_obs_;
};

}  // namespace tha4::avatar
