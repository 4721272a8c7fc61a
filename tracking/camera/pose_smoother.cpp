#include "tracking/camera/pose_smoother.h"

#include <string_view>

namespace tha4::tracking {
namespace {

bool is_blink(std::string_view name) {
  return name.rfind("eye_wink_", 0) == 0 || name.rfind("eye_happy_wink_", 0) == 0;
}

}  // namespace

PoseSmoother::PoseSmoother(const SmoothingSettings& settings) {
  filters_.reserve(kPoseSize);
  filtered_.reserve(kPoseSize);
  for (const PoseParameter& parameter : pose_parameters()) {
    switch (parameter.group) {
      case PoseGroup::kFaceRotation:
      case PoseGroup::kBodyRotation: filters_.emplace_back(settings.head); break;
      case PoseGroup::kIrisRotation: filters_.emplace_back(settings.iris); break;
      case PoseGroup::kEye: filters_.emplace_back(is_blink(parameter.name) ? settings.blink : settings.morph); break;
      case PoseGroup::kEyebrow:
      case PoseGroup::kIrisMorph:
      case PoseGroup::kMouth:
      case PoseGroup::kBreathing: filters_.emplace_back(settings.morph); break;
    }
    filtered_.push_back(parameter.group != PoseGroup::kBreathing);
  }
}

Pose PoseSmoother::smooth(const Pose& pose, double timestamp_s) {
  Pose smoothed = pose;
  for (int i = 0; i < kPoseSize; ++i) {
    if (filtered_[i]) smoothed[i] = static_cast<float>(filters_[i].filter(pose[i], timestamp_s));
  }
  return smoothed;
}

void PoseSmoother::reset() {
  for (OneEuroFilter& filter : filters_) filter.reset();
}

}  // namespace tha4::tracking
