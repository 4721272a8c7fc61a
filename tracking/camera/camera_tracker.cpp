#include "tracking/camera/camera_tracker.h"

#include <utility>

namespace tha4::tracking {

CameraTracker::CameraTracker(const TrackerSettings& settings)
    : CameraTracker(settings, std::make_shared<const LandmarkPredictor>(settings.landmark_model)) {}

CameraTracker::CameraTracker(const TrackerSettings& settings, std::shared_ptr<const LandmarkPredictor> predictor)
    : pipeline_(settings, std::move(predictor)), worker_([this] { run_worker(); }) {
  tracking_status_.publish(std::string(tracking_state_text(TrackingState::kNoFace)));
}

CameraTracker::~CameraTracker() {
  {
    std::lock_guard<std::mutex> lock(frame_mutex_);
    stopping_ = true;
  }
  frame_ready_.notify_one();
  worker_.join();
}

void CameraTracker::submit_frame(const cv::Mat& frame, double timestamp_s) {
  {
    std::lock_guard<std::mutex> lock(frame_mutex_);
    if (frame_waiting_) dropped_frames_.fetch_add(1);
    frame.copyTo(waiting_frame_);  // reuses the buffer when the size is unchanged
    waiting_timestamp_s_ = timestamp_s;
    frame_waiting_ = true;
  }
  frame_ready_.notify_one();
}

void CameraTracker::run_worker() {
  cv::Mat frame;
  for (;;) {
    double timestamp_s = 0.0;
    {
      std::unique_lock<std::mutex> lock(frame_mutex_);
      frame_ready_.wait(lock, [this] { return frame_waiting_ || stopping_; });
      if (stopping_) return;
      cv::swap(frame, waiting_frame_);  // O(1): the next submit copies into the buffer we just finished with
      timestamp_s = waiting_timestamp_s_;
      frame_waiting_ = false;
    }
    try {
      process(frame, timestamp_s);
    } catch (const std::exception& e) {
      // A frame of a type the pipeline cannot read: say so instead of ending the thread.
      tracking_status_.publish(std::string("tracking error: ") + e.what());
    }
  }
}

FrameResult CameraTracker::process(const cv::Mat& frame, double timestamp_s) {
  std::lock_guard<std::mutex> lock(pipeline_mutex_);
  return process_locked(frame, timestamp_s);
}

FrameResult CameraTracker::process_locked(const cv::Mat& frame, double timestamp_s) {
  {
    std::lock_guard<std::mutex> lock(requests_mutex_);
    if (new_mapping_) pipeline_.set_mapping(*std::exchange(new_mapping_, std::nullopt));
    if (std::exchange(recalibrate_requested_, false)) pipeline_.recalibrate();
  }
  FrameResult result = pipeline_.process(frame, timestamp_s);
  publish(result, frame.size());
  return result;
}

void CameraTracker::publish(const FrameResult& result, cv::Size frame_size) {
  latest_pose_.publish(result.pose);
  if (result.face) {
    latest_landmarks_.publish({result.face->landmarks, frame_size, result.pose.timestamp});
  } else {
    latest_landmarks_.clear();
  }
  tracking_status_.publish(std::string(tracking_state_text(result.state)));
}

void CameraTracker::set_source_status(const std::string& status) {
  if (status.empty()) {
    source_status_.clear();
  } else {
    source_status_.publish(status);
  }
}

void CameraTracker::recalibrate() {
  std::lock_guard<std::mutex> lock(requests_mutex_);
  recalibrate_requested_ = true;
}

void CameraTracker::set_mapping(const MappingSettings& mapping) {
  std::lock_guard<std::mutex> lock(requests_mutex_);
  new_mapping_ = mapping;
}

std::optional<TrackedPose> CameraTracker::latest() const { return latest_pose_.read(); }

std::optional<TrackedLandmarks> CameraTracker::latest_landmarks() const { return latest_landmarks_.read(); }

std::string CameraTracker::status() const {
  if (std::optional<std::string> source = source_status_.read()) return *source;
  return tracking_status_.read().value_or(std::string(tracking_state_text(TrackingState::kNoFace)));
}

}  // namespace tha4::tracking
