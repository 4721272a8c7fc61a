#pragma once
// One camera frame -> one pose, synchronously: grey conversion, face tracking, features, calibration,
// mapping, face-loss handling, breathing and smoothing. CameraTracker runs this on its worker thread; tests
// and the bench call it directly. Not thread-safe: one caller at a time.

#include "tracking/camera/face_features.h"
#include "tracking/camera/landmark_tracker.h"
#include "tracking/camera/neutral_calibration.h"
#include "tracking/camera/pose_mapper.h"
#include "tracking/camera/pose_smoother.h"
#include "tracking/camera/tracker_settings.h"
#include "tracking/common/tracked_pose.h"

#include <opencv2/core/mat.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

namespace tha4::tracking {

enum class TrackingState {
  kNoFace,       // searching; the pose holds, then eases to neutral
  kCalibrating,  // a face is tracked and its neutral is being measured
  kTracking,
};
std::string_view tracking_state_text(TrackingState state);

struct FrameResult {
  TrackedPose pose;
  TrackingState state = TrackingState::kNoFace;
  std::optional<FaceObservation> face;  // this frame's landmarks (in the frame's pixels) and head pose
  FaceFeatures features;                // valid when `face` is set
  TrackerWork work;                     // which detector runs this frame took
};

class FaceTrackingPipeline {
 public:
  // Loads the landmark model named in the settings (throws LandmarkModelError).
  explicit FaceTrackingPipeline(const TrackerSettings& settings);
  // Shares an already loaded model (about 65 MB) between pipelines.
  FaceTrackingPipeline(const TrackerSettings& settings, std::shared_ptr<const LandmarkPredictor> predictor);

  // One frame: 8-bit BGR, BGRA or grey (an OBS NV12/I420 frame's luma plane works as is). Timestamps in
  // seconds, increasing; one that goes backwards restarts the filters (a looping video).
  FrameResult process(const cv::Mat& frame, double timestamp_s);

  // Measure a new neutral face from the next second of frames (the "calibrate" button).
  void recalibrate();
  void set_mapping(const MappingSettings& mapping);

 private:
  // Whether a face found by a search after the track was lost calls for a fresh calibration.
  bool is_new_face(const FaceLandmarks& landmarks, double timestamp_s) const;
  Pose face_lost_pose(double timestamp_s) const;
  float breathing(double timestamp_s);

  TrackerSettings settings_;
  LandmarkTracker tracker_;
  NeutralCalibration calibration_;
  PoseMapper mapper_;
  PoseSmoother smoother_;
  std::optional<double> last_face_s_;
  cv::Rect last_face_box_;
  std::optional<double> last_timestamp_s_;
  Pose last_face_pose_;  // the unsmoothed pose of the last tracked frame, held when the face is lost
  std::optional<double> breathing_start_s_;
  std::uint64_t frames_ = 0;
  cv::Mat gray_;  // reused between frames
};

}  // namespace tha4::tracking
