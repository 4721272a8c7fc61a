#pragma once
// Tracker samples arrive at the tracker's rate (a 30 Hz webcam, a 60 Hz phone); the renderer runs at OBS's
// frame rate. The model is a pure function of the pose, so instead of blending pixels we render the pose at
// the display time: it is interpolated between the two samples around (now − delay), where the delay is
// about one sample interval. That costs one tracker interval of latency and gives motion as smooth as the
// display, without the overshoot extrapolation would cause at every change of direction.

#include "inference/pose/pose.h"

#include <cstdint>
#include <deque>

namespace tha4::avatar {

class PoseInterpolator {
 public:
  // `max_delay_s` bounds the delay of slow or irregular trackers (added latency).
  explicit PoseInterpolator(double max_delay_s = 0.1) : max_delay_s_(max_delay_s) {}

  // Adds a sample; samples whose time is not after the newest one are ignored.
  void add(const Pose& pose, double time_s);
  // The pose to show at display time `now_s`. Before any sample: nothing to interpolate (returns false).
  bool pose_at(double now_s, Pose& pose) const;
  // The delay used: the median interval of recent samples, at most max_delay_s.
  double delay_s() const;
  void clear() { samples_.clear(); }
  bool empty() const { return samples_.empty(); }

 private:
  struct Sample {
    Pose pose;
    double time_s;
  };
  double max_delay_s_;
  std::deque<Sample> samples_;
};

}  // namespace tha4::avatar
