#include "tracking/network/ifacialmocap_tracker.h"

namespace tha4::tracking {
namespace {

// How often the start request is repeated while the phone is silent.
constexpr double kRequestIntervalSeconds = 2.0;

std::optional<Ipv4Endpoint> phone_endpoint(const IFacialMocapTrackerOptions& options) {
  if (options.phone_address.empty()) return std::nullopt;
  return Ipv4Endpoint::parse(options.phone_address, options.phone_port);
}

UdpReceiver::Options receiver_options(const IFacialMocapTrackerOptions& options) {
  UdpReceiver::Options receiver;
  receiver.bind_address = options.bind_address;
  receiver.port = options.port;
  receiver.max_datagram_bytes = kMaxIFacialMocapPacketBytes;
  return receiver;
}

}  // namespace

IFacialMocapTracker::IFacialMocapTracker(const IFacialMocapTrackerOptions& options)
    : phone_address_(options.phone_address),
      phone_(phone_endpoint(options)),
      publisher_(options.converter),
      receiver_(
          receiver_options(options),
          [this](std::string_view datagram, double arrival) { return handle_datagram(datagram, arrival); },
          [this] { request_stream_if_quiet(); }) {}

std::optional<TrackedPose> IFacialMocapTracker::latest() const { return publisher_.latest(); }

std::string IFacialMocapTracker::status() const {
  std::string text = receiver_.status("iFacialMocap");
  if (phone_ && !receiver_.receiving()) text += " (start request sent to " + phone_address_ + ")";
  return text;
}

DatagramVerdict IFacialMocapTracker::handle_datagram(std::string_view datagram, double arrival_seconds) {
  const IFacialMocapParseResult parsed = parse_ifacialmocap_packet(datagram);
  if (!parsed.ok()) return DatagramVerdict{false, describe(parsed.error)};
  publisher_.publish(parsed.packet.frame, arrival_seconds);
  last_packet_seconds_ = arrival_seconds;
  return DatagramVerdict{true, {}};
}

void IFacialMocapTracker::request_stream_if_quiet() {
  if (!phone_) return;
  const double now = steady_seconds();
  const bool streaming = last_packet_seconds_ >= 0.0 && now - last_packet_seconds_ < kNoPacketsAfterSeconds;
  const bool requested_recently = last_request_seconds_ >= 0.0 && now - last_request_seconds_ < kRequestIntervalSeconds;
  if (streaming || requested_recently) return;
  receiver_.send_to(*phone_, kIFacialMocapStartHandshake);
  last_request_seconds_ = now;
}

}  // namespace tha4::tracking
