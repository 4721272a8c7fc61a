#pragma once
// One One Euro filter per pose parameter, tuned per kind of parameter (tracking recipe §3.5): head angles
// smooth, blinks fast enough that a 2-frame blink survives, breathing untouched (it is computed, not measured).

#include "inference/pose/pose.h"
#include "tracking/camera/one_euro_filter.h"
#include "tracking/camera/tracker_settings.h"

#include <vector>

namespace tha4::tracking {

class PoseSmoother {
 public:
  explicit PoseSmoother(const SmoothingSettings& settings);

  // Filters one pose taken at `timestamp_s` (the camera frame's time, so dropped frames do not slow it).
  Pose smooth(const Pose& pose, double timestamp_s);
  void reset();

 private:
  std::vector<OneEuroFilter> filters_;  // one per parameter
  std::vector<bool> filtered_;          // false: passes through (breathing)
};

}  // namespace tha4::tracking
