#include "plugin/runtime/pose_interpolator.h"

#include <algorithm>
#include <vector>

namespace tha4::avatar {
namespace {
constexpr std::size_t kKeptSamples = 16;
}

void PoseInterpolator::add(const Pose& pose, double time_s) {
  if (!samples_.empty() && time_s <= samples_.back().time_s) return;
  samples_.push_back({pose, time_s});
  while (samples_.size() > kKeptSamples) samples_.pop_front();
}

double PoseInterpolator::delay_s() const {
  if (samples_.size() < 2) return 0.0;
  std::vector<double> intervals;
  for (std::size_t i = 1; i < samples_.size(); ++i) intervals.push_back(samples_[i].time_s - samples_[i - 1].time_s);
  std::nth_element(intervals.begin(), intervals.begin() + intervals.size() / 2, intervals.end());
  return std::min(intervals[intervals.size() / 2], max_delay_s_);
}

bool PoseInterpolator::pose_at(double now_s, Pose& pose) const {
  if (samples_.empty()) return false;
  const double t = now_s - delay_s();
  if (t <= samples_.front().time_s) {
    pose = samples_.front().pose;
    return true;
  }
  if (t >= samples_.back().time_s) {
    pose = samples_.back().pose;  // hold the newest: never extrapolate
    return true;
  }
  // The newest pair around t (samples are few, search from the back).
  for (std::size_t i = samples_.size() - 1; i > 0; --i) {
    const Sample& a = samples_[i - 1];
    const Sample& b = samples_[i];
    if (t >= a.time_s) {
      const double w = (t - a.time_s) / (b.time_s - a.time_s);
      pose = lerp_pose(a.pose, b.pose, static_cast<float>(w));
      return true;
    }
  }
  pose = samples_.front().pose;
  return true;
}

}  // namespace tha4::avatar
