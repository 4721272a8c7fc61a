#include "plugin/runtime/frame_governor.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace tha4::avatar {

void FrameGovernor::configure(const GovernorSettings& settings) {
  const bool same = settings == settings_;
  settings_ = settings;
  if (same) return;
  target_fps_ = ceiling_fps();  // (the calm render time stays: it belongs to the model)
  reduced_precision_ = false;
  calm_windows_ = 0;
  last_pressure_ = Pressure::kNone;
  window_start_s_ = -1.0;
}

double FrameGovernor::ceiling_fps() const {
  const double display = std::clamp(settings_.display_fps, 1.0, 240.0);
  return settings_.max_fps > 0.0 ? std::min(display, settings_.max_fps) : display;
}

bool FrameGovernor::observe(double now_s, const ObsLoad& obs, double render_ms) {
  if (!settings_.enabled) return false;
  last_obs_ = obs;
  if (window_start_s_ < 0.0 || obs.lagged_frames < window_lagged_start_) {  // the first sample starts the clock
    start_window(now_s, obs.lagged_frames);                                 // (also after OBS restarted)
    return false;
  }
  if (render_ms > 0.0) {
    render_ms_sum_ += render_ms;
    ++renders_;
  }
  if (now_s - window_start_s_ < kWindowSeconds) return false;
  judge_window(now_s - window_start_s_);
  start_window(now_s, obs.lagged_frames);
  return true;
}

void FrameGovernor::start_window(double now_s, std::uint32_t lagged_frames) {
  window_start_s_ = now_s;
  window_lagged_start_ = lagged_frames;
  render_ms_sum_ = 0.0;
  renders_ = 0;
}

void FrameGovernor::judge_window(double window_s) {
  const ObsLoad& obs = last_obs_;
  const bool knows_obs = obs.interval_ms > 0.0;
  const double render_ms = renders_ > 0 ? render_ms_sum_ / renders_ : 0.0;
  // The calm render time: the lowest window mean lately, drifting up a little each window.
  if (renders_ > 0) {
    calm_render_ms_ = calm_render_ms_ > 0.0 ? std::min(calm_render_ms_ * kCalmDrift, render_ms) : render_ms;
  }
  const double slowdown = calm_render_ms_ > 0.0 && renders_ > 0 ? render_ms / calm_render_ms_ : 1.0;

  Pressure pressure = Pressure::kNone;
  if (knows_obs && obs.lagged_frames > window_lagged_start_) {
    pressure = Pressure::kObsLagging;
  } else if (knows_obs && obs.frame_ms > kObsBusyShare * obs.interval_ms) {
    pressure = Pressure::kObsBusy;
  } else if (slowdown > kSlowdown) {
    pressure = Pressure::kMachineBusy;
  }
  if (pressure != Pressure::kNone) {
    last_pressure_ = pressure;
    calm_windows_ = 0;
    // Down from what was achieved: an engine slower than its target gets real idle time.
    const double achieved_fps = renders_ > 0 ? std::min(target_fps_, renders_ / window_s) : target_fps_;
    const double floor = std::min(kFloorFps, ceiling_fps());
    if (target_fps_ > floor) {
      target_fps_ = std::max(floor, achieved_fps * kStepDown);
    } else if (settings_.precision_can_drop) {
      reduced_precision_ = true;
    }
    return;
  }
  const bool calm = (!knows_obs || obs.frame_ms < kObsCalmShare * obs.interval_ms) && slowdown < kCalmSlowdown;
  if (!calm || !holding_back()) {
    calm_windows_ = 0;
    return;
  }
  if (++calm_windows_ < kCalmWindowsToRecover) return;
  calm_windows_ = 0;
  if (reduced_precision_) {
    reduced_precision_ = false;
  } else {
    target_fps_ = std::min(ceiling_fps(), target_fps_ / kStepDown);
  }
  if (!holding_back()) last_pressure_ = Pressure::kNone;
}

std::string FrameGovernor::summary() const {
  char text[200];
  if (!settings_.enabled) {
    std::snprintf(text, sizeof text, "off, %.0f frames/s", ceiling_fps());
    return text;
  }
  if (!holding_back()) {
    std::snprintf(text, sizeof text, "up to %.0f frames/s", ceiling_fps());
    return text;
  }
  const char* why = "";
  switch (last_pressure_) {
    case Pressure::kObsBusy: why = "OBS busy"; break;
    case Pressure::kObsLagging: why = "OBS lagging"; break;
    case Pressure::kMachineBusy: why = "machine busy"; break;
    case Pressure::kNone: why = "recovering"; break;
  }
  std::snprintf(text, sizeof text, "at most %.0f of %.0f frames/s%s (%s)", target_fps(), ceiling_fps(),
                reduced_precision_ ? ", reduced precision" : "", why);
  return text;
}

}  // namespace tha4::avatar
