// libFuzzer target: the iFacialMocap v2 parser, then the converter on whatever it accepts. Any crash,
// sanitizer report or pose outside its ranges is a bug.

#include "tracking/network/blendshape_pose_converter.h"
#include "tracking/network/ifacialmocap_packet.h"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tha4;
  using namespace tha4::tracking;
  const IFacialMocapParseResult result =
      parse_ifacialmocap_packet(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!result.ok()) return 0;
  if (size > kMaxIFacialMocapPacketBytes) std::abort();
  for (const float value : result.packet.frame.blendshapes.values) {
    if (!(value >= 0.0f && value <= 1.0f)) std::abort();
  }
  const Pose pose = convert_face_to_pose(result.packet.frame, BlendshapePoseConverterConfig{}, 1.0);
  for (int i = 0; i < kPoseSize; ++i) {
    const auto& parameter = pose_parameters()[static_cast<std::size_t>(i)];
    const float value = pose[static_cast<std::size_t>(i)];
    if (!std::isfinite(value) || value < parameter.min || value > parameter.max) std::abort();
  }
  return 0;
}
