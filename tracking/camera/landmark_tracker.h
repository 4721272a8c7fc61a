#pragma once
// Finds a face and follows it from frame to frame (tracking recipe §3.1): HOG on a reduced image while
// searching (throttled while nothing is there); while tracking, a box that follows the landmarks (with a
// dead band, and turned with a tilted head), a re-detection in a crop every few frames or at once when the
// box's content changes, and validity checks on every fit so a wall is never tracked as a face.

#include "tracking/camera/face_detector.h"
#include "tracking/camera/face_landmarks.h"
#include "tracking/camera/head_pose_solver.h"
#include "tracking/camera/landmark_predictor.h"
#include "tracking/camera/tracker_settings.h"

#include <opencv2/core/mat.hpp>

#include <memory>
#include <optional>

namespace tha4::tracking {

struct FaceObservation {
  FaceLandmarks landmarks;  // in the pixels of the image given to track()
  HeadPose head;
};

// What the tracker spent its time on in one frame (for the bench).
struct TrackerWork {
  bool searched = false;             // HOG on the reduced image
  bool searched_full_frame = false;  // HOG on the full image
  bool redetected = false;           // HOG in a crop around the face
};

class LandmarkTracker {
 public:
  LandmarkTracker(std::shared_ptr<const LandmarkPredictor> predictor, const DetectionSettings& detection,
                  const ValiditySettings& validity);

  // The face in an 8-bit grey frame, or nothing (no face, a rejected fit, or a throttled search).
  std::optional<FaceObservation> track(const cv::Mat& gray, double timestamp_s);
  const TrackerWork& last_work() const { return work_; }
  // Forget the face; the next frame searches.
  void reset();

 private:
  std::optional<FaceObservation> search(const cv::Mat& gray, double timestamp_s);
  std::optional<FaceObservation> follow(const cv::Mat& gray);
  enum class Redetection { kMissed, kConfirmed, kMoved };
  // HOG near the tracked box. kMoved: the face found is elsewhere, and `guide` becomes the landmarks found
  // in the detector's box.
  Redetection redetect(const cv::Mat& gray, const cv::Rect& box, FaceLandmarks& guide);
  // Landmarks and head pose of the face near `guide` (a rough set of landmarks: last frame's, or those found
  // in a detector's box, whose size is up to 10% off: HOG's boxes come in 20% steps), if they pass the
  // validity checks. `expected_interocular_px` > 0 also rejects a sudden change of face size.
  std::optional<FaceObservation> fit(const cv::Mat& gray, const FaceLandmarks& guide, double expected_interocular_px);

  std::shared_ptr<const LandmarkPredictor> predictor_;
  DetectionSettings detection_;
  ValiditySettings validity_;
  FaceDetector detector_;
  HeadPoseSolver solver_;
  std::optional<FaceObservation> previous_;  // the last accepted fit, while tracking
  cv::Mat previous_thumbnail_;               // of the guide's box
  std::optional<FaceLandmarks> guide_;       // where the next frame's landmarks are searched (box and tilt)
  int frames_since_detection_ = 0;
  int failed_detections_ = 0;  // in a row
  std::optional<double> last_search_s_;
  TrackerWork work_;
};

}  // namespace tha4::tracking
