#pragma once
// A VMC protocol sender (VSeeFace, Waidayo, XR Animator, ... as "Performer") as a PoseTracker: OSC over
// UDP on port 39539, blendshapes and the head bone mapped through the same blendshape converter as
// iFacialMocap.

#include "tracking/common/tracked_pose.h"
#include "tracking/network/blendshape_pose_converter.h"
#include "tracking/network/tracked_pose_publisher.h"
#include "tracking/network/udp_receiver.h"
#include "tracking/network/vmc_packet.h"

#include <cstdint>
#include <optional>
#include <string>

namespace tha4::tracking {

struct VmcTrackerOptions {
  std::uint16_t port = kVmcMarionettePort;  // 0 picks a free port
  std::string bind_address = "0.0.0.0";
  BlendshapePoseConverterConfig converter;
};

class VmcTracker final : public PoseTracker {
 public:
  // Throws NetworkError if the port is taken or the bind address is not IPv4.
  explicit VmcTracker(const VmcTrackerOptions& options);

  // A pose is published for every packet that carries /VMC/Ext/Blend/Apply or a Head/Neck bone pose.
  std::optional<TrackedPose> latest() const override;
  std::string status() const override;

  std::uint16_t port() const { return receiver_.port(); }
  UdpReceiverCounters counters() const { return receiver_.counters(); }
  // Stops receiving (the destructor does it too); latest() keeps the last pose.
  void stop() { receiver_.stop(); }

 private:
  DatagramVerdict handle_datagram(std::string_view datagram, double arrival_seconds);

  VmcFaceState face_;  // receive thread only
  TrackedPosePublisher publisher_;
  UdpReceiver receiver_;  // last: its thread uses everything above
};

}  // namespace tha4::tracking
