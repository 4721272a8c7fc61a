#pragma once
// iFacialMocap (iPhone/iPad app) as a PoseTracker: listens on UDP 49983, asks the phone to start
// streaming protocol v2, and turns each packet into a pose with the blendshape converter (spec §7.4).

#include "tracking/common/tracked_pose.h"
#include "tracking/network/blendshape_pose_converter.h"
#include "tracking/network/ifacialmocap_packet.h"
#include "tracking/network/tracked_pose_publisher.h"
#include "tracking/network/udp_receiver.h"

#include <cstdint>
#include <optional>
#include <string>

namespace tha4::tracking {

struct IFacialMocapTrackerOptions {
  std::uint16_t port = kIFacialMocapPort;  // 0 picks a free port
  // The phone's IPv4 address as the app shows it. When set, the start request is sent there (and again
  // every 2 s while nothing arrives, so the phone may be started after the PC). Empty: only listen.
  std::string phone_address;
  std::uint16_t phone_port = kIFacialMocapPort;
  std::string bind_address = "0.0.0.0";
  BlendshapePoseConverterConfig converter;
};

class IFacialMocapTracker final : public PoseTracker {
 public:
  // Throws NetworkError if the port is taken or an address is not IPv4.
  explicit IFacialMocapTracker(const IFacialMocapTrackerOptions& options);

  std::optional<TrackedPose> latest() const override;
  std::string status() const override;

  std::uint16_t port() const { return receiver_.port(); }
  UdpReceiverCounters counters() const { return receiver_.counters(); }
  // Stops receiving (the destructor does it too); latest() keeps the last pose.
  void stop() { receiver_.stop(); }

 private:
  DatagramVerdict handle_datagram(std::string_view datagram, double arrival_seconds);
  void request_stream_if_quiet();

  std::string phone_address_;
  std::optional<Ipv4Endpoint> phone_;
  double last_request_seconds_ = -1.0;      // receive thread only
  double last_packet_seconds_ = -1.0;       // receive thread only
  TrackedPosePublisher publisher_;
  UdpReceiver receiver_;  // last: its thread uses everything above
};

}  // namespace tha4::tracking
