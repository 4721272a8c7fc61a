#pragma once
// The part the network trackers share after parsing: convert a face frame to a pose, stamp it and put it
// in the mailbox; and when reading, mark a pose as stale once its source has gone quiet.

#include "tracking/common/latest_value.h"
#include "tracking/common/tracked_pose.h"
#include "tracking/network/blendshape_pose_converter.h"

#include <cstdint>
#include <optional>

namespace tha4::tracking {

class TrackedPosePublisher {
 public:
  // The breathing cycle starts now.
  explicit TrackedPosePublisher(const BlendshapePoseConverterConfig& config);

  // Converts and publishes; `arrival_seconds` is on the steady_seconds() clock.
  void publish(const FaceFrame& frame, double arrival_seconds);

  // The newest pose; face_found turns false once no pose has arrived for kNoPacketsAfterSeconds, so a
  // consumer can ease the character back to rest when the phone stops sending.
  std::optional<TrackedPose> latest() const;

 private:
  BlendshapePoseConverterConfig config_;
  double breathing_start_seconds_;
  std::uint64_t next_sequence_ = 1;  // only the receive thread publishes
  LatestValue<TrackedPose> latest_;
};

}  // namespace tha4::tracking
