#include "tracking/audio/mouth_shape.h"

#include <algorithm>
#include <cmath>
#include <string_view>

namespace tha4::tracking {
namespace {

float unit_or_zero(float value) { return std::isfinite(value) ? std::clamp(value, 0.0f, 1.0f) : 0.0f; }

const std::array<std::size_t, 5>& vowel_pose_indices() {
  static const std::array<std::size_t, 5> indices = [] {
    constexpr std::array<std::string_view, 5> kNames = {"mouth_aaa", "mouth_iii", "mouth_uuu", "mouth_eee",
                                                        "mouth_ooo"};
    std::array<std::size_t, 5> found{};
    for (std::size_t k = 0; k < kNames.size(); ++k)
      found[k] = static_cast<std::size_t>(find_pose_parameter(kNames[k]).value());
    return found;
  }();
  return indices;
}

}  // namespace

void apply_mouth_shape(Pose& pose, const MouthShape& mouth, float weight) {
  const float audio_weight = unit_or_zero(weight);
  const float openness = unit_or_zero(mouth.openness);
  for (std::size_t k = 0; k < mouth.vowels.size(); ++k) {
    float& value = pose[vowel_pose_indices()[k]];
    const float audio = openness * unit_or_zero(mouth.vowels[k]);
    const float tracked = unit_or_zero(value);
    value = (1.0f - audio_weight) * tracked + audio_weight * audio;
  }
}

}  // namespace tha4::tracking
