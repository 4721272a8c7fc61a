#pragma once
// What every network tracker's fuzz target checks of the face frame its parser produced: weights inside
// 0..1, finite head angles, and a converted pose that is finite and inside every parameter's range. Any
// violation aborts, which libFuzzer reports as a crash.

#include "tracking/network/blendshape_pose_converter.h"
#include "tracking/network/blendshapes.h"

#include <cmath>
#include <cstddef>
#include <cstdlib>

namespace tha4::fuzz {

inline void abort_unless_unit_interval(const float* values, std::size_t count) {
  for (std::size_t i = 0; i < count; ++i) {
    if (!(values[i] >= 0.0f && values[i] <= 1.0f)) std::abort();
  }
}

inline void abort_unless_valid(const tracking::FaceFrame& frame) {
  abort_unless_unit_interval(frame.blendshapes.values.data(), frame.blendshapes.values.size());
  abort_unless_unit_interval(frame.presets.values.data(), frame.presets.values.size());
  if (!std::isfinite(frame.head.x_degrees) || !std::isfinite(frame.head.y_degrees) ||
      !std::isfinite(frame.head.z_degrees)) {
    std::abort();
  }
  const Pose pose = tracking::convert_face_to_pose(frame, tracking::BlendshapePoseConverterConfig{}, 0.5);
  for (int i = 0; i < kPoseSize; ++i) {
    const auto& parameter = pose_parameters()[static_cast<std::size_t>(i)];
    const float value = pose[static_cast<std::size_t>(i)];
    if (!std::isfinite(value) || value < parameter.min || value > parameter.max) std::abort();
  }
}

}  // namespace tha4::fuzz
