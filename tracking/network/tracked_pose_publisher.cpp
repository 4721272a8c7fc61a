#include "tracking/network/tracked_pose_publisher.h"

#include "tracking/network/udp_receiver.h"

namespace tha4::tracking {

TrackedPosePublisher::TrackedPosePublisher(const BlendshapePoseConverterConfig& config)
    : config_(config), breathing_start_seconds_(steady_seconds()) {}

void TrackedPosePublisher::publish(const FaceFrame& frame, double arrival_seconds) {
  TrackedPose tracked;
  tracked.pose = convert_face_to_pose(frame, config_, arrival_seconds - breathing_start_seconds_);
  tracked.timestamp = arrival_seconds;
  tracked.face_found = true;
  tracked.sequence = next_sequence_++;
  latest_.publish(tracked);
}

std::optional<TrackedPose> TrackedPosePublisher::latest() const {
  std::optional<TrackedPose> tracked = latest_.read();
  if (tracked && steady_seconds() - tracked->timestamp >= kNoPacketsAfterSeconds) tracked->face_found = false;
  return tracked;
}

}  // namespace tha4::tracking
