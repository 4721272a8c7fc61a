// libFuzzer target: the OSC parser. Every message it delivers must survive a round trip through the
// encoder unchanged; any crash or sanitizer report is a bug.

#include "tracking/network/osc_message.h"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace tha4::tracking;

bool same_argument(const OscArgument& a, const OscArgument& b) {
  const bool same_number = a.number == b.number || (std::isnan(a.number) && std::isnan(b.number));
  return a.type == b.type && a.integer == b.integer && same_number && a.bytes == b.bytes;
}

void check_round_trip(const OscMessage& message) {
  const std::vector<OscArgument> arguments(message.arguments.begin(),
                                           message.arguments.begin() + message.argument_count);
  const std::string encoded = encode_osc_message(message.address, arguments);
  int delivered = 0;
  const OscError error = parse_osc_packet(encoded, [&](const OscMessage& again) {
    ++delivered;
    if (again.address != message.address || again.argument_count != message.argument_count) std::abort();
    for (int i = 0; i < again.argument_count; ++i) {
      if (!same_argument(again.arguments[static_cast<std::size_t>(i)],
                         message.arguments[static_cast<std::size_t>(i)])) {
        std::abort();
      }
    }
  });
  if (error != OscError::kNone || delivered != 1) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view packet(reinterpret_cast<const char*>(data), size);
  const OscError error = parse_osc_packet(packet, check_round_trip);
  if (error != OscError::kNone && describe(error).empty()) std::abort();
  return 0;
}
