#pragma once
// The 52 ARKit face blendshapes, the vocabulary shared by iFacialMocap, VMC "perfect sync" senders and
// MediaPipe, and the face frame (blendshapes + head rotation) that every network source is reduced to.
// Weights live in a fixed array indexed by the enum, so the per-packet path never touches a map or the
// heap.

#include "tracking/network/vrm_expressions.h"

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace tha4::tracking {

enum class Blendshape : std::uint8_t {
  kEyeBlinkLeft,
  kEyeLookDownLeft,
  kEyeLookInLeft,
  kEyeLookOutLeft,
  kEyeLookUpLeft,
  kEyeSquintLeft,
  kEyeWideLeft,
  kEyeBlinkRight,
  kEyeLookDownRight,
  kEyeLookInRight,
  kEyeLookOutRight,
  kEyeLookUpRight,
  kEyeSquintRight,
  kEyeWideRight,
  kJawForward,
  kJawLeft,
  kJawRight,
  kJawOpen,
  kMouthClose,
  kMouthFunnel,
  kMouthPucker,
  kMouthLeft,
  kMouthRight,
  kMouthSmileLeft,
  kMouthSmileRight,
  kMouthFrownLeft,
  kMouthFrownRight,
  kMouthDimpleLeft,
  kMouthDimpleRight,
  kMouthStretchLeft,
  kMouthStretchRight,
  kMouthRollLower,
  kMouthRollUpper,
  kMouthShrugLower,
  kMouthShrugUpper,
  kMouthPressLeft,
  kMouthPressRight,
  kMouthLowerDownLeft,
  kMouthLowerDownRight,
  kMouthUpperUpLeft,
  kMouthUpperUpRight,
  kBrowDownLeft,
  kBrowDownRight,
  kBrowInnerUp,
  kBrowOuterUpLeft,
  kBrowOuterUpRight,
  kCheekPuff,
  kCheekSquintLeft,
  kCheekSquintRight,
  kNoseSneerLeft,
  kNoseSneerRight,
  kTongueOut,
};

constexpr int kBlendshapeCount = 52;

// The ARKit name ("eyeBlinkLeft").
std::string_view blendshape_name(Blendshape shape);

// Exact ARKit name.
std::optional<Blendshape> find_blendshape(std::string_view name);
// ARKit name in any letter case: VRM "perfect sync" models spell them "EyeBlinkLeft".
std::optional<Blendshape> find_blendshape_ignoring_case(std::string_view name);

// One weight per blendshape, 0 for shapes a sender did not mention.
struct BlendshapeWeights {
  std::array<float, kBlendshapeCount> values{};

  float operator[](Blendshape shape) const { return values[static_cast<std::size_t>(shape)]; }
  float& operator[](Blendshape shape) { return values[static_cast<std::size_t>(shape)]; }
};

// Head rotation in degrees as iFacialMocap reports it (spec §7.4): x pitch, y yaw, z roll of the ARKit
// face anchor (right-handed, x towards the face's own left, y up, z out of the face).
struct HeadRotation {
  float x_degrees = 0.0f;
  float y_degrees = 0.0f;
  float z_degrees = 0.0f;
};

// Which names a sender animates the face with. VMC senders use ARKit names for "perfect sync" avatars and
// the VRM presets otherwise; when a frame has both, ARKit wins (it is the richer of the two).
enum class FaceVocabulary : std::uint8_t { kArkit, kVrmPresets };

// Everything the blendshape converter reads for one frame.
struct FaceFrame {
  FaceVocabulary vocabulary = FaceVocabulary::kArkit;
  BlendshapeWeights blendshapes;  // read when vocabulary is kArkit
  VrmExpressionWeights presets;   // read when vocabulary is kVrmPresets
  HeadRotation head;
};

}  // namespace tha4::tracking
