#include "tracking/network/vmc_tracker.h"

#include <memory>

namespace tha4::tracking {
namespace {

class VmcProtocol final : public DatagramProtocol {
 public:
  DatagramVerdict handle(std::string_view datagram, double arrival_seconds, TrackedPosePublisher& publisher) override {
    const VmcPacketResult result = face_.apply_packet(datagram);
    if (!result.ok()) return DatagramVerdict{false, describe(result)};
    if (result.frame_changed) publisher.publish(face_.frame(), arrival_seconds);
    return DatagramVerdict{true, {}};
  }
  std::string status_note(const UdpReceiver& receiver, const TrackedPosePublisher& publisher) const override {
    // Valid VMC without face data (only body bones, or blendshapes never applied) animates nothing.
    if (receiver.receiving() && !publisher.latest()) {
      return " (no face data yet: enable the sender's blendshape / perfect sync output)";
    }
    return {};
  }

 private:
  VmcFaceState face_;  // carries blendshapes and bones between packets
};

UdpPoseTracker::Endpoint endpoint(const VmcTrackerOptions& options) {
  return {options.bind_address, options.port, kMaxOscPacketBytes};
}

}  // namespace

VmcTracker::VmcTracker(const VmcTrackerOptions& options)
    : UdpPoseTracker("VMC", endpoint(options), options.converter, std::make_unique<VmcProtocol>()) {}

}  // namespace tha4::tracking
