#pragma once
// The tracker behind a source, built from the settings: a camera the plugin opens itself, frames of another
// OBS source, iFacialMocap, VMC, or nothing. Created and destroyed on the render worker; frames from OBS
// arrive on the graphics thread through submit_video_frame, which never waits.

#include "plugin/runtime/avatar_settings.h"
#include "tracking/common/tracked_pose.h"

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace tha4::tracking {
class CameraTracker;
class CameraFeed;
}  // namespace tha4::tracking

namespace tha4::avatar {

class TrackingInputHolder {
 public:
  TrackingInputHolder();
  ~TrackingInputHolder();
  TrackingInputHolder(const TrackingInputHolder&) = delete;
  TrackingInputHolder& operator=(const TrackingInputHolder&) = delete;

  // Worker: replaces the tracker with one for `settings` (the old one is stopped first, so a port or a
  // camera is free again). Throws tha4::Error or std::runtime_error with a message for the user; the
  // holder is then empty.
  void rebuild(const AvatarSettings& settings);
  void reset();

  // Worker: the newest pose (nothing before the first, or without a tracker).
  std::optional<tracking::TrackedPose> latest() const;
  // The tracker's own status, or, for an OBS source that has sent no frame for a while, that it is missing.
  std::string status() const;
  bool is_camera() const { return camera_ != nullptr; }
  // What the tracker listens to, for the log: "VMC on UDP port 39539", "the OBS source 'Webcam'", ...
  const std::string& description() const { return description_; }
  bool empty() const { return tracker_ == nullptr; }
  void recalibrate();

  // Any thread (OBS's graphics thread): hands a BGRA frame of the chosen OBS source to the camera tracker.
  // Returns false, without waiting, when no OBS-source tracker exists or the worker is swapping it.
  bool submit_video_frame(const std::uint8_t* bgra, int width, int height, int stride, double timestamp_s);

 private:
  std::shared_ptr<tracking::PoseTracker> tracker_;
  std::string description_;
  tracking::CameraTracker* camera_ = nullptr;        // tracker_ when it is a camera tracker
  std::unique_ptr<tracking::CameraFeed> feed_;       // reads a camera device into camera_
  std::mutex external_mutex_;                        // guards external_ (the graphics thread only try-locks)
  tracking::CameraTracker* external_ = nullptr;      // camera_ when frames come from an OBS source
  std::string obs_source_name_;                      // the source whose frames external_ gets
  double external_since_s_ = 0.0;                    // when external_ was set (worker)
  std::atomic<double> last_external_frame_s_{-1.0};  // steady clock; set on the graphics thread
};

}  // namespace tha4::avatar
