#include "tracking/network/vmc_tracker.h"

namespace tha4::tracking {
namespace {

UdpReceiver::Options receiver_options(const VmcTrackerOptions& options) {
  UdpReceiver::Options receiver;
  receiver.bind_address = options.bind_address;
  receiver.port = options.port;
  receiver.max_datagram_bytes = kMaxOscPacketBytes;
  return receiver;
}

}  // namespace

VmcTracker::VmcTracker(const VmcTrackerOptions& options)
    : publisher_(options.converter),
      receiver_(receiver_options(options),
                [this](std::string_view datagram, double arrival) { return handle_datagram(datagram, arrival); }) {}

std::optional<TrackedPose> VmcTracker::latest() const { return publisher_.latest(); }

std::string VmcTracker::status() const {
  std::string text = receiver_.status("VMC");
  // Valid VMC without face data (only body bones, or blendshapes never applied) animates nothing.
  if (receiver_.receiving() && !publisher_.latest()) {
    text += " (no face data yet: enable the sender's blendshape / perfect sync output)";
  }
  return text;
}

DatagramVerdict VmcTracker::handle_datagram(std::string_view datagram, double arrival_seconds) {
  const VmcPacketResult result = face_.apply_packet(datagram);
  if (!result.ok()) return DatagramVerdict{false, describe(result)};
  if (result.frame_changed) publisher_.publish(face_.frame(), arrival_seconds);
  return DatagramVerdict{true, {}};
}

}  // namespace tha4::tracking
