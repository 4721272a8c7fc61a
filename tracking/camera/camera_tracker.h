#pragma once
// The camera tracker as a PoseTracker: frames go in from any thread (a webcam reader, an OBS video
// callback), a worker thread turns the newest one into a pose, and readers copy the latest pose and landmarks
// without ever waiting on tracking work. A frame that arrives while the worker is busy replaces the one
// waiting (latest frame wins), so a slow machine drops frames instead of falling behind.

#include "tracking/camera/face_tracking_pipeline.h"
#include "tracking/camera/tracker_settings.h"
#include "tracking/common/latest_value.h"
#include "tracking/common/tracked_pose.h"

#include <opencv2/core/mat.hpp>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace tha4::tracking {

// The newest tracked face, for drawing an overlay.
struct TrackedLandmarks {
  FaceLandmarks landmarks;  // in the pixels of the submitted frame
  cv::Size frame_size;
  double timestamp = 0.0;
};

class CameraTracker final : public PoseTracker {
 public:
  // Loads the landmark model named in the settings (throws LandmarkModelError) and starts the worker.
  explicit CameraTracker(const TrackerSettings& settings);
  CameraTracker(const TrackerSettings& settings, std::shared_ptr<const LandmarkPredictor> predictor);
  ~CameraTracker() override;  // stops and joins the worker
  CameraTracker(const CameraTracker&) = delete;
  CameraTracker& operator=(const CameraTracker&) = delete;

  // Hands a frame (8-bit BGR, BGRA or grey) to the worker; copies it and returns at once. `timestamp_s`
  // is the frame's capture time in seconds.
  void submit_frame(const cv::Mat& frame, double timestamp_s);

  // Tracks one frame on the caller's thread and publishes the result like the worker does (tests, the bench,
  // offline processing). Waits for the worker if it is busy with a frame.
  FrameResult process(const cv::Mat& frame, double timestamp_s);

  // What the frame source reports ("camera disconnected"); shown by status() instead of the tracking state
  // while set. An empty string clears it.
  void set_source_status(const std::string& status);
  // Applied before the next frame.
  void recalibrate();
  void set_mapping(const MappingSettings& mapping);

  std::optional<TrackedPose> latest() const override;
  std::string status() const override;
  // The landmarks of the newest frame, or nothing while no face is tracked.
  std::optional<TrackedLandmarks> latest_landmarks() const;
  // Frames replaced by a newer one before the worker got to them.
  std::uint64_t dropped_frames() const { return dropped_frames_.load(); }

 private:
  void run_worker();
  FrameResult process_locked(const cv::Mat& frame, double timestamp_s);
  void publish(const FrameResult& result, cv::Size frame_size);

  std::mutex pipeline_mutex_;  // held while a frame is processed
  FaceTrackingPipeline pipeline_;

  std::mutex requests_mutex_;  // pending settings changes, applied between frames
  bool recalibrate_requested_ = false;
  std::optional<MappingSettings> new_mapping_;

  std::mutex frame_mutex_;  // the waiting frame
  std::condition_variable frame_ready_;
  cv::Mat waiting_frame_;
  double waiting_timestamp_s_ = 0.0;
  bool frame_waiting_ = false;
  bool stopping_ = false;
  std::atomic<std::uint64_t> dropped_frames_{0};

  LatestValue<TrackedPose> latest_pose_;
  LatestValue<TrackedLandmarks> latest_landmarks_;
  LatestValue<std::string> tracking_status_;
  LatestValue<std::string> source_status_;

  std::thread worker_;  // last: it uses everything above
};

}  // namespace tha4::tracking
