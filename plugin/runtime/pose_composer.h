#pragma once
// Turns everything that moves the character into the one pose the renderer shows at a display time:
//
//   base pose ─┬─ tracked pose (interpolated at display time, mirrored, calibrated) ─ smoothing
//              └─ idle animation (breathing, blinks) while no face is tracked
//   ─ lip sync (the runtime applies it between the two stages) ─ expression presets ─ iris size, gaze ─ clamp
//
// Pure logic on the render worker's thread: no OBS, no LibTorch, no locks.

#include "plugin/runtime/avatar_settings.h"
#include "plugin/runtime/expression_presets.h"
#include "plugin/runtime/idle_animation.h"
#include "plugin/runtime/pose_interpolator.h"
#include "tracking/common/tracked_pose.h"

#include <cstdint>
#include <optional>

namespace tha4::avatar {

// Mirrors a pose left-right: swaps every _left/_right pair and negates the rotations about vertical and
// depth axes (head_y, neck_z, body_y, body_z, iris_rotation_y).
Pose mirror_pose(const Pose& pose);

class PoseComposer {
 public:
  // Takes the settings that shape the pose. Throws PoseError when the base pose text is malformed (the
  // previous base pose stays).
  void set_settings(const AvatarSettings& settings);
  // The camera tracker mirrors and calibrates by itself; phone trackers report the phone's view, which the
  // composer mirrors and calibrates.
  void set_input_is_camera(bool camera) { input_is_camera_ = camera; }
  ExpressionLayer& expressions() { return expressions_; }

  // Feeds the tracker's newest pose (repeats of the same sequence are ignored). Returns true when new.
  bool add_tracked(const tracking::TrackedPose& tracked);
  // Forgets tracked samples (the tracker changed or stopped).
  void clear_tracking();
  // The head rotation tracked now becomes the neutral one (phone trackers; see set_input_is_camera).
  void calibrate();

  // Stage 1: the tracked (or base) pose at `now_s`, smoothed, with the idle animation when no face is
  // tracked.
  Pose motion_at(double now_s);
  // Stage 2, after lip sync: presets, iris size, gaze, then every value clamped into its range.
  void apply_overrides(Pose& pose, double now_s);

  bool face_tracked() const { return face_tracked_; }
  // Steady-clock time of the newest tracked sample used (0 before any).
  double newest_sample_time_s() const { return newest_sample_time_s_; }

 private:
  void smooth(Pose& pose, double now_s);

  AvatarSettings settings_;
  Pose base_pose_{};
  bool input_is_camera_ = false;
  PoseInterpolator interpolator_;
  IdleAnimation idle_;
  ExpressionLayer expressions_;
  std::uint64_t last_sequence_ = 0;
  bool has_sequence_ = false;
  bool face_tracked_ = false;
  double newest_sample_time_s_ = 0.0;
  Pose calibration_offset_{};  // subtracted from phone trackers' rotations
  Pose last_tracked_{};
  std::optional<Pose> smoothed_;
  double last_smooth_s_ = 0.0;
};

}  // namespace tha4::avatar
