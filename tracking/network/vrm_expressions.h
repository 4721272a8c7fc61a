#pragma once
// The VRM expression presets that VMC senders (VSeeFace, Warudo, VNyan, ...) send for avatars without ARKit
// "perfect sync" shapes, in both generations and any letter case:
//   VRM 0.x  A I U E O · Blink Blink_L Blink_R · Joy Angry Sorrow Fun Surprised · LookUp/Down/Left/Right · Neutral
//   VRM 1.0  aa ih ou ee oh · blink blinkLeft blinkRight · happy angry sad relaxed surprised · lookUp/... · neutral
// and how they become the 45-parameter pose: the five vowels are THA4's five mouth shapes, the blinks close
// the eyes, the emotions are eyebrow/eye/mouth combinations with the same values as the expression presets
// of the same name (data/expressions.txt), the look presets turn the irises. tracking/network/README.md
// has the table.

#include "inference/pose/pose.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace tha4::tracking {

enum class VrmExpression : std::uint8_t {
  kAa,  // VRM 0.x "A"
  kIh,  // "I"
  kOu,  // "U"
  kEe,  // "E"
  kOh,  // "O"
  kBlink,
  kBlinkLeft,   // "Blink_L": the avatar's left eye
  kBlinkRight,  // "Blink_R"
  kHappy,       // "Joy"
  kAngry,
  kSad,      // "Sorrow"
  kRelaxed,  // "Fun"
  kSurprised,
  kLookUp,
  kLookDown,
  kLookLeft,
  kLookRight,
  kNeutral,  // accepted, changes nothing
};
constexpr int kVrmExpressionCount = 18;

// Either generation's name in any letter case ("A", "aa", "Blink_L", "blinkLeft", "Joy", "happy", ...).
std::optional<VrmExpression> find_vrm_expression(std::string_view name);
// The VRM 1.0 name ("aa", "blinkLeft", "happy").
std::string_view vrm_expression_name(VrmExpression expression);

// One weight (0..1) per preset, 0 for presets a sender did not mention.
struct VrmExpressionWeights {
  std::array<float, kVrmExpressionCount> values{};

  float operator[](VrmExpression e) const { return values[static_cast<std::size_t>(e)]; }
  float& operator[](VrmExpression e) { return values[static_cast<std::size_t>(e)]; }
};

// The pose parameters an emotion sets (those it names in data/expressions.txt), and their values.
struct VrmEmotionPose {
  Pose values{};
  std::array<bool, kPoseSize> sets{};
};
// kHappy, kAngry, kSad, kRelaxed or kSurprised; nothing for the other presets.
const VrmEmotionPose* vrm_emotion_pose(VrmExpression emotion);

struct VrmPoseOptions {
  bool gaze = true;                          // the look presets turn the irises
  float eye_rotation_factor = 1.0f / 0.75f;  // as for ARKit's eyeLook shapes (spec §7.1)
};

// Writes the face part of the pose (eyebrows, eyes, irises, mouth) from the presets onto `pose`, which holds
// the rest of the face (the head, breathing, iris size) already: the emotions layer over it in order, each
// by its weight; a blink closes an eye at least as far as it says; a spoken vowel replaces the emotions'
// mouth shapes by the five vowels' weights.
void write_vrm_expressions(const VrmExpressionWeights& weights, const VrmPoseOptions& options, Pose& pose);

}  // namespace tha4::tracking
