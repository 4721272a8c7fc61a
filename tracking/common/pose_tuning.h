#pragma once
// The user's choices about how a tracked face becomes the avatar's pose, the same whichever tracker runs
// (camera or phone): the OBS source's tracking sliders, described once and handed to every tracker.

#include "tracking/common/eyebrow_down_mode.h"

#include <tuple>

namespace tha4::tracking {

struct PoseTuning {
  // true: the avatar moves like the user's mirror image, as in the THA4 demo (which flips the webcam image).
  // false: "puppet": the avatar's left is the user's left. Phone trackers report the phone's view and leave
  // mirroring to the caller, which mirrors and calibrates their poses together (plugin/runtime/pose_composer.h).
  bool mirror = true;
  EyebrowDownMode eyebrow_down_mode = EyebrowDownMode::kAngry;
  bool gaze = true;                  // false: the irises look straight ahead
  double iris_size = 0.0;            // iris_small_left/right of both eyes: 0 normal .. 1 small
  double breaths_per_minute = 20.0;  // 0 turns breathing off
};

inline bool operator==(const PoseTuning& a, const PoseTuning& b) {
  return std::tie(a.mirror, a.eyebrow_down_mode, a.gaze, a.iris_size, a.breaths_per_minute) ==
         std::tie(b.mirror, b.eyebrow_down_mode, b.gaze, b.iris_size, b.breaths_per_minute);
}
inline bool operator!=(const PoseTuning& a, const PoseTuning& b) { return !(a == b); }

}  // namespace tha4::tracking
