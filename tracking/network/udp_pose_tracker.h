#pragma once
// What every UDP face tracker is (iFacialMocap, VMC, ...): a receive thread that hands each datagram to the
// protocol's parser, and the publisher of the poses the parser's face frames convert to. A tracker supplies
// only its DatagramProtocol; the protocol object is owned here and outlives the receive thread.

#include "tracking/common/tracked_pose.h"
#include "tracking/network/blendshape_pose_converter.h"
#include "tracking/network/tracked_pose_publisher.h"
#include "tracking/network/udp_receiver.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace tha4::tracking {

// One protocol's side of a UDP tracker. Every call comes from the receive thread, one at a time, except
// status_note, which any thread may call (so it may read only what is safe to share).
class DatagramProtocol {
 public:
  virtual ~DatagramProtocol() = default;
  // Parses one datagram and publishes the face it carries, if any.
  virtual DatagramVerdict handle(std::string_view datagram, double arrival_seconds,
                                 TrackedPosePublisher& publisher) = 0;
  // At least every 100 ms (a protocol that must ask its sender to start streaming does it here).
  virtual void tick(UdpReceiver& /*receiver*/) {}
  // Appended to the receiver's status line ("" for nothing).
  virtual std::string status_note(const UdpReceiver& /*receiver*/, const TrackedPosePublisher& /*publisher*/) const {
    return {};
  }
};

class UdpPoseTracker : public PoseTracker {
 public:
  struct Endpoint {
    std::string bind_address = "0.0.0.0";
    std::uint16_t port = 0;  // 0 picks a free port
    std::size_t max_datagram_bytes = 8192;
  };

  // Binds and starts receiving. `source_name` names the sender in the status ("VMC"). Throws NetworkError if
  // the port is taken or the bind address is not IPv4.
  UdpPoseTracker(std::string source_name, const Endpoint& endpoint, const BlendshapePoseConverterConfig& converter,
                 std::unique_ptr<DatagramProtocol> protocol);

  std::optional<TrackedPose> latest() const override { return publisher_.latest(); }
  std::string status() const override;
  std::uint16_t port() const { return receiver_.port(); }
  UdpReceiverCounters counters() const { return receiver_.counters(); }
  // Stops receiving (the destructor does it too); latest() keeps the last pose.
  void stop() { receiver_.stop(); }

 private:
  std::string source_name_;
  std::unique_ptr<DatagramProtocol> protocol_;
  TrackedPosePublisher publisher_;
  UdpReceiver receiver_;  // last: its thread uses everything above
};

}  // namespace tha4::tracking
