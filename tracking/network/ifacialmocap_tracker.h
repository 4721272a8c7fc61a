#pragma once
// iFacialMocap (iPhone/iPad app) as a PoseTracker: listens on UDP 49983, asks the phone to start
// streaming protocol v2, and turns each packet into a pose with the blendshape converter (spec §7.4).

#include "tracking/network/blendshape_pose_converter.h"
#include "tracking/network/ifacialmocap_packet.h"
#include "tracking/network/udp_pose_tracker.h"

#include <cstdint>
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

class IFacialMocapTracker final : public UdpPoseTracker {
 public:
  // Throws NetworkError if the port is taken or an address is not IPv4.
  explicit IFacialMocapTracker(const IFacialMocapTrackerOptions& options);
};

}  // namespace tha4::tracking
