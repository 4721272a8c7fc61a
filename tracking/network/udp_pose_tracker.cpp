#include "tracking/network/udp_pose_tracker.h"

#include <utility>

namespace tha4::tracking {
namespace {

UdpReceiver::Options receiver_options(const UdpPoseTracker::Endpoint& endpoint) {
  UdpReceiver::Options options;
  options.bind_address = endpoint.bind_address;
  options.port = endpoint.port;
  options.max_datagram_bytes = endpoint.max_datagram_bytes;
  return options;
}

}  // namespace

UdpPoseTracker::UdpPoseTracker(std::string source_name, const Endpoint& endpoint,
                               const BlendshapePoseConverterConfig& converter,
                               std::unique_ptr<DatagramProtocol> protocol)
    : source_name_(std::move(source_name)),
      protocol_(std::move(protocol)),
      publisher_(converter),
      receiver_(
          receiver_options(endpoint),
          [this](std::string_view datagram, double arrival) {
            return protocol_->handle(datagram, arrival, publisher_);
          },
          [this] { protocol_->tick(receiver_); }) {}

std::string UdpPoseTracker::status() const {
  return receiver_.status(source_name_) + protocol_->status_note(receiver_, publisher_);
}

}  // namespace tha4::tracking
