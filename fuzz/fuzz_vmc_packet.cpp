// libFuzzer target: VMC packets on top of the OSC parser, applied to a receiver state twice (state
// carries over between packets), then the converter. Any crash, sanitizer report, a rejected packet that
// claims a new frame, a weight outside 0..1, a non-finite angle or a pose outside its ranges is a bug.

#include "fuzz/face_frame_checks.h"
#include "tracking/network/vmc_packet.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tha4::tracking;
  const std::string_view packet(reinterpret_cast<const char*>(data), size);
  VmcFaceState state;
  for (int round = 0; round < 2; ++round) {
    const VmcPacketResult result = state.apply_packet(packet);
    if (!result.ok() && result.frame_changed) std::abort();
  }
  tha4::fuzz::abort_unless_valid(state.frame());
  return 0;
}
