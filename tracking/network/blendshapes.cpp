#include "tracking/network/blendshapes.h"

namespace tha4::tracking {
namespace {

// In enum order.
constexpr std::array<std::string_view, kBlendshapeCount> kNames = {
    "eyeBlinkLeft",      "eyeLookDownLeft",    "eyeLookInLeft",
    "eyeLookOutLeft",    "eyeLookUpLeft",      "eyeSquintLeft",
    "eyeWideLeft",       "eyeBlinkRight",      "eyeLookDownRight",
    "eyeLookInRight",    "eyeLookOutRight",    "eyeLookUpRight",
    "eyeSquintRight",    "eyeWideRight",       "jawForward",
    "jawLeft",           "jawRight",           "jawOpen",
    "mouthClose",        "mouthFunnel",        "mouthPucker",
    "mouthLeft",         "mouthRight",         "mouthSmileLeft",
    "mouthSmileRight",   "mouthFrownLeft",     "mouthFrownRight",
    "mouthDimpleLeft",   "mouthDimpleRight",   "mouthStretchLeft",
    "mouthStretchRight", "mouthRollLower",     "mouthRollUpper",
    "mouthShrugLower",   "mouthShrugUpper",    "mouthPressLeft",
    "mouthPressRight",   "mouthLowerDownLeft", "mouthLowerDownRight",
    "mouthUpperUpLeft",  "mouthUpperUpRight",  "browDownLeft",
    "browDownRight",     "browInnerUp",        "browOuterUpLeft",
    "browOuterUpRight",  "cheekPuff",          "cheekSquintLeft",
    "cheekSquintRight",  "noseSneerLeft",      "noseSneerRight",
    "tongueOut",
};
static_assert(static_cast<int>(Blendshape::kTongueOut) + 1 == kBlendshapeCount);

char to_lower_ascii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool equal_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (to_lower_ascii(a[i]) != to_lower_ascii(b[i])) return false;
  }
  return true;
}

}  // namespace

std::string_view blendshape_name(Blendshape shape) { return kNames[static_cast<std::size_t>(shape)]; }

std::optional<Blendshape> find_blendshape(std::string_view name) {
  for (int i = 0; i < kBlendshapeCount; ++i) {
    if (kNames[static_cast<std::size_t>(i)] == name) return static_cast<Blendshape>(i);
  }
  return std::nullopt;
}

std::optional<Blendshape> find_blendshape_ignoring_case(std::string_view name) {
  // ARKit names never differ only by case, so the first match is the only one.
  for (int i = 0; i < kBlendshapeCount; ++i) {
    if (equal_ignoring_case(kNames[static_cast<std::size_t>(i)], name)) return static_cast<Blendshape>(i);
  }
  return std::nullopt;
}

}  // namespace tha4::tracking
