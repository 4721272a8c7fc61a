#pragma once
// The mouth as lip sync sees it, and how it is written into a THA4 pose.

#include "inference/pose/pose.h"

#include <array>

namespace tha4::tracking {

struct MouthShape {
  float openness = 0.0f;          // 0 closed .. 1 fully open, from loudness
  std::array<float, 5> vowels{};  // aaa iii uuu eee ooo, each 0..1, sum <= 1: which shape the opening takes
  bool voiced = false;            // the latest frame was above the noise gate
};

// Writes openness × vowels into mouth_aaa..mouth_ooo, blended with what is already there (tracking):
// pose = (1 − weight)·pose + weight·audio. weight 1 = audio only (no face tracked), 0 = tracking only;
// it is clamped to [0, 1] and a NaN weight counts as 0. The five values end up in [0, 1]: non-finite
// values in `mouth` or in the pose's mouth parameters count as 0, so no NaN reaches the renderer.
// mouth_delta and the rest of the pose are kept.
void apply_mouth_shape(Pose& pose, const MouthShape& mouth, float weight);

}  // namespace tha4::tracking
