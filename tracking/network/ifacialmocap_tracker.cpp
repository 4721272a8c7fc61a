#include "tracking/network/ifacialmocap_tracker.h"

#include <memory>
#include <optional>

namespace tha4::tracking {
namespace {

// How often the start request is repeated while the phone is silent.
constexpr double kRequestIntervalSeconds = 2.0;

class IFacialMocapProtocol final : public DatagramProtocol {
 public:
  explicit IFacialMocapProtocol(const IFacialMocapTrackerOptions& options)
      : phone_address_(options.phone_address),
        phone_(options.phone_address.empty()
                   ? std::nullopt
                   : std::optional<Ipv4Endpoint>(Ipv4Endpoint::parse(options.phone_address, options.phone_port))) {}

  DatagramVerdict handle(std::string_view datagram, double arrival_seconds, TrackedPosePublisher& publisher) override {
    const IFacialMocapParseResult parsed = parse_ifacialmocap_packet(datagram);
    if (!parsed.ok()) return DatagramVerdict{false, describe(parsed.error)};
    publisher.publish(parsed.packet.frame, arrival_seconds);
    last_packet_seconds_ = arrival_seconds;
    return DatagramVerdict{true, {}};
  }

  // Asks the phone to stream, again every 2 s while it is silent.
  void tick(UdpReceiver& receiver) override {
    if (!phone_) return;
    const double now = steady_seconds();
    const bool streaming = last_packet_seconds_ >= 0.0 && now - last_packet_seconds_ < kNoPacketsAfterSeconds;
    const bool requested_recently =
        last_request_seconds_ >= 0.0 && now - last_request_seconds_ < kRequestIntervalSeconds;
    if (streaming || requested_recently) return;
    receiver.send_to(*phone_, kIFacialMocapStartHandshake);
    last_request_seconds_ = now;
  }

  std::string status_note(const UdpReceiver& receiver, const TrackedPosePublisher& /*publisher*/) const override {
    if (phone_ && !receiver.receiving()) return " (start request sent to " + phone_address_ + ")";
    return {};
  }

 private:
  const std::string phone_address_;
  const std::optional<Ipv4Endpoint> phone_;
  double last_request_seconds_ = -1.0;  // receive thread only
  double last_packet_seconds_ = -1.0;   // receive thread only
};

UdpPoseTracker::Endpoint endpoint(const IFacialMocapTrackerOptions& options) {
  return {options.bind_address, options.port, kMaxIFacialMocapPacketBytes};
}

}  // namespace

IFacialMocapTracker::IFacialMocapTracker(const IFacialMocapTrackerOptions& options)
    : UdpPoseTracker("iFacialMocap", endpoint(options), options.converter,
                     std::make_unique<IFacialMocapProtocol>(options)) {}

}  // namespace tha4::tracking
