// libFuzzer target: the pose string (`name=value,...`) of the CLI, the base-pose setting and the
// animation scripts. A parsed pose must be finite and inside every range, and must survive
// format_pose -> parse_pose unchanged (the documented round trip).

#include "inference/pose/pose.h"
#include "inference/util/errors.h"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tha4;
  ParsedPose parsed;
  try {
    parsed = parse_pose(std::string_view(reinterpret_cast<const char*>(data), size));
  } catch (const PoseError&) {
    return 0;  // a clear error is the expected outcome for most inputs
  }
  for (int i = 0; i < kPoseSize; ++i) {
    const auto& parameter = pose_parameters()[static_cast<std::size_t>(i)];
    const float value = parsed.pose[static_cast<std::size_t>(i)];
    if (!std::isfinite(value) || value < parameter.min || value > parameter.max) std::abort();
  }
  if (parse_pose(format_pose(parsed.pose)).pose != parsed.pose) std::abort();
  return 0;
}
