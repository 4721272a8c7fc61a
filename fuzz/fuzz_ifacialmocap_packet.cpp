// libFuzzer target: the iFacialMocap v2 parser, then the converter on whatever it accepts. Any crash,
// sanitizer report, weight outside 0..1 or pose outside its ranges is a bug.

#include "fuzz/face_frame_checks.h"
#include "tracking/network/ifacialmocap_packet.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tha4::tracking;
  const IFacialMocapParseResult result =
      parse_ifacialmocap_packet(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!result.ok()) return 0;
  if (size > kMaxIFacialMocapPacketBytes) std::abort();
  tha4::fuzz::abort_unless_valid(result.packet.frame);
  return 0;
}
