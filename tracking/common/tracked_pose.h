#pragma once
// What every tracker hands to the renderer: the newest pose with its time, through a mailbox the
// consumer reads without ever waiting on tracking work.

#include "inference/pose/pose.h"

#include <cstdint>
#include <optional>
#include <string>

namespace tha4::tracking {

struct TrackedPose {
  Pose pose{};             // the 45 THA4 parameters, each inside its range
  double timestamp = 0.0;  // seconds: the camera frame's timestamp, or the packet's arrival time
  bool face_found = false;
  std::uint64_t sequence = 0;  // increases with every published pose
};

// A tracker runs on its own thread(s) and publishes poses; consumers (the OBS source's render worker,
// `tha4 puppet`) poll it.
class PoseTracker {
 public:
  virtual ~PoseTracker() = default;
  // The newest pose, or nothing before the first one. Never waits for tracking work.
  virtual std::optional<TrackedPose> latest() const = 0;
  // The state in plain words for a status line: "tracking", "no face", "camera disconnected", ...
  virtual std::string status() const = 0;
};

}  // namespace tha4::tracking
