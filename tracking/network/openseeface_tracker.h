#pragma once
// OpenSeeFace (facetracker.py, the webcam tracker inside VSeeFace) as a PoseTracker: its UDP packets on port
// 11573, each face record mapped to a face frame (openseeface_face.h) and then through the same blendshape
// converter as iFacialMocap and VMC. Run facetracker.py with `--ip <this PC> --port 11573`.

#include "tracking/network/blendshape_pose_converter.h"
#include "tracking/network/openseeface_packet.h"
#include "tracking/network/udp_pose_tracker.h"

#include <cstdint>
#include <string>

namespace tha4::tracking {

struct OpenSeeFaceTrackerOptions {
  std::uint16_t port = kOpenSeeFacePort;  // 0 picks a free port
  std::string bind_address = "0.0.0.0";
  BlendshapePoseConverterConfig converter;
};

class OpenSeeFaceTracker final : public UdpPoseTracker {
 public:
  // Throws NetworkError if the port is taken or the bind address is not IPv4.
  explicit OpenSeeFaceTracker(const OpenSeeFaceTrackerOptions& options);
};

}  // namespace tha4::tracking
