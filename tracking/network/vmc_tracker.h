#pragma once
// A VMC protocol sender (VSeeFace, Waidayo, XR Animator, ... as "Performer") as a PoseTracker: OSC over
// UDP on port 39539, blendshapes and the head bone mapped through the same blendshape converter as
// iFacialMocap. A pose is published for every packet that carries /VMC/Ext/Blend/Apply or a Head/Neck bone.

#include "tracking/network/blendshape_pose_converter.h"
#include "tracking/network/udp_pose_tracker.h"
#include "tracking/network/vmc_packet.h"

#include <cstdint>
#include <string>

namespace tha4::tracking {

struct VmcTrackerOptions {
  std::uint16_t port = kVmcMarionettePort;  // 0 picks a free port
  std::string bind_address = "0.0.0.0";
  BlendshapePoseConverterConfig converter;
};

class VmcTracker final : public UdpPoseTracker {
 public:
  // Throws NetworkError if the port is taken or the bind address is not IPv4.
  explicit VmcTracker(const VmcTrackerOptions& options);
};

}  // namespace tha4::tracking
