// libFuzzer target: VMC packets on top of the OSC parser, applied to a receiver state twice (state
// carries over between packets), then the converter. Any crash, sanitizer report or pose outside its
// ranges is a bug.

#include "tracking/network/blendshape_pose_converter.h"
#include "tracking/network/vmc_packet.h"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tha4;
  using namespace tha4::tracking;
  const std::string_view packet(reinterpret_cast<const char*>(data), size);
  VmcFaceState state;
  for (int round = 0; round < 2; ++round) {
    const VmcPacketResult result = state.apply_packet(packet);
    if (!result.ok() && result.frame_changed) std::abort();
  }
  const FaceFrame frame = state.frame();
  for (const float value : frame.blendshapes.values) {
    if (!(value >= 0.0f && value <= 1.0f)) std::abort();
  }
  if (!std::isfinite(frame.head.x_degrees) || !std::isfinite(frame.head.y_degrees) ||
      !std::isfinite(frame.head.z_degrees)) {
    std::abort();
  }
  const Pose pose = convert_face_to_pose(frame, BlendshapePoseConverterConfig{}, 0.5);
  for (int i = 0; i < kPoseSize; ++i) {
    const auto& parameter = pose_parameters()[static_cast<std::size_t>(i)];
    const float value = pose[static_cast<std::size_t>(i)];
    if (!std::isfinite(value) || value < parameter.min || value > parameter.max) std::abort();
  }
  return 0;
}
