#include "plugin/runtime/pose_composer.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace tha4::avatar {
namespace {

int index_of(const char* name) { return *find_pose_parameter(name); }

// Rotations about the vertical and depth axes change sign in a mirror; pitch (head_x, iris_rotation_x)
// does not.
const int kMirrorNegated[] = {index_of("head_y"), index_of("neck_z"), index_of("body_y"), index_of("body_z"),
                              index_of("iris_rotation_y")};
const int kCalibrated[] = {index_of("head_x"), index_of("head_y"), index_of("neck_z"), index_of("body_y"),
                           index_of("body_z")};
const int kIrisRotationX = index_of("iris_rotation_x");
const int kIrisRotationY = index_of("iris_rotation_y");
const int kIrisSmallLeft = index_of("iris_small_left");
const int kIrisSmallRight = index_of("iris_small_right");

bool is_rotation(int index) {
  const PoseGroup group = pose_parameters()[index].group;
  return group == PoseGroup::kFaceRotation || group == PoseGroup::kBodyRotation || group == PoseGroup::kIrisRotation;
}

}  // namespace

Pose mirror_pose(const Pose& pose) {
  Pose mirrored = pose;
  for (const auto& p : pose_parameters()) {
    const std::string name(p.name);
    const std::size_t suffix = name.rfind("_left");
    if (suffix != std::string::npos && suffix + 5 == name.size()) {
      const int right = *find_pose_parameter(name.substr(0, suffix) + "_right");
      mirrored[p.index] = pose[right];
      mirrored[right] = pose[p.index];
    }
  }
  for (int index : kMirrorNegated) mirrored[index] = -pose[index];
  return mirrored;
}

void PoseComposer::set_settings(const AvatarSettings& settings) {
  base_pose_ = parse_pose(settings.base_pose).pose;  // throws before anything changes
  const bool input_changed = settings.tracking != settings_.tracking;
  settings_ = settings;
  if (input_changed) clear_tracking();
}

bool PoseComposer::add_tracked(const tracking::TrackedPose& tracked) {
  if (has_sequence_ && tracked.sequence == last_sequence_) return false;
  has_sequence_ = true;
  last_sequence_ = tracked.sequence;
  face_tracked_ = tracked.face_found;
  Pose pose = tracked.pose;
  if (!input_is_camera_) {
    if (settings_.pose_tuning.mirror) pose = mirror_pose(pose);
    last_tracked_ = pose;
    for (int index : kCalibrated) pose[index] -= calibration_offset_[index];
  }
  interpolator_.add(pose, tracked.timestamp);
  newest_sample_time_s_ = std::max(newest_sample_time_s_, tracked.timestamp);
  return true;
}

void PoseComposer::clear_tracking() {
  interpolator_.clear();
  has_sequence_ = false;
  face_tracked_ = false;
  calibration_offset_ = Pose{};
  newest_sample_time_s_ = 0.0;
}

void PoseComposer::calibrate() {
  if (input_is_camera_) return;  // the camera tracker recalibrates itself
  for (int index : kCalibrated) calibration_offset_[index] = last_tracked_[index];
}

void PoseComposer::smooth(Pose& pose, double now_s) {
  // Exponential smoothing at display rate on top of the trackers' own filters: a user-facing "calmer"
  // knob. Rotations get the full time constant; expressions a third of it, so blinks still read.
  const double tau_s = 0.2 * std::clamp(settings_.smoothing, 0.0, 1.0);
  if (!smoothed_ || tau_s <= 0.0) {
    smoothed_ = pose;
    last_smooth_s_ = now_s;
    return;
  }
  const double dt = std::clamp(now_s - last_smooth_s_, 0.0, 1.0);
  last_smooth_s_ = now_s;
  const float rotation_alpha = static_cast<float>(1.0 - std::exp(-dt / tau_s));
  const float morph_alpha = static_cast<float>(1.0 - std::exp(-dt / (tau_s / 3.0)));
  for (int i = 0; i < kPoseSize; ++i) {
    const float alpha = is_rotation(i) ? rotation_alpha : morph_alpha;
    (*smoothed_)[i] += (pose[i] - (*smoothed_)[i]) * alpha;
  }
  pose = *smoothed_;
}

Pose PoseComposer::motion_at(double now_s) {
  Pose pose = base_pose_;
  const bool tracking = settings_.tracking != TrackingInput::kNone;
  if (tracking) interpolator_.pose_at(now_s, pose);
  smooth(pose, now_s);
  if (!tracking || !face_tracked_) {
    idle_.apply(pose, now_s, settings_.pose_tuning.breaths_per_minute, settings_.auto_blink);
  }
  return pose;
}

void PoseComposer::apply_overrides(Pose& pose, double now_s) {
  expressions_.apply(pose, now_s);
  const double iris_size = settings_.pose_tuning.iris_size;
  if (iris_size > 0.0) {
    pose[kIrisSmallLeft] = std::max(pose[kIrisSmallLeft], static_cast<float>(iris_size));
    pose[kIrisSmallRight] = std::max(pose[kIrisSmallRight], static_cast<float>(iris_size));
  }
  if (!settings_.pose_tuning.gaze) {
    pose[kIrisRotationX] = 0.0F;
    pose[kIrisRotationY] = 0.0F;
  }
  for (float& value : pose) {
    if (!std::isfinite(value)) value = 0.0F;  // a tracker bug must never reach the networks
  }
  clamp_pose(pose);
}

}  // namespace tha4::avatar
