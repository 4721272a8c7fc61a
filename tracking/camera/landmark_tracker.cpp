#include "tracking/camera/landmark_tracker.h"

#include "tracking/camera/face_appearance.h"
#include "tracking/camera/tracking_math.h"
#include "tracking/camera/upright_landmarks.h"

#include <cmath>
#include <stdexcept>
#include <utility>
#include <vector>

namespace tha4::tracking {
namespace {

constexpr double kMinInterocularPx = 8.0;  // smaller faces give landmarks too coarse to drive anything
constexpr std::size_t kMaxCandidates = 3;  // faces tried per search, largest first
constexpr double kSameFaceOverlap = 0.4;   // intersection over union of a detection and the tracked box
// The tracking box follows the face only once it has moved by more than this fraction of its size (or the
// face tilted by more than kGuideTiltDeg). dlib's landmark model reacts to single-pixel box changes: on an
// unchanging photo, a box recomputed from every frame's landmarks cycled through 7 states with brow heights
// 18% apart; a box that stays put gives the same landmarks for the same picture.
constexpr double kGuideDeadband = 0.03;
constexpr double kGuideTiltDeg = 2.0;

double tilt_deg(const FaceLandmarks& l) {
  const cv::Point2f eye_line = l[landmark::kEyeImageRightOuter] - l[landmark::kEyeImageLeftOuter];
  return degrees(std::atan2(eye_line.y, eye_line.x));
}

bool guide_moved(const FaceLandmarks& guide, const FaceLandmarks& now) {
  const cv::Rect a = face_box_from_landmarks(guide), b = face_box_from_landmarks(now);
  const double tolerance = kGuideDeadband * a.width;
  const cv::Point2d shift = cv::Point2d(b.tl() + b.br() - a.tl() - a.br()) * 0.5;
  return std::abs(b.width - a.width) > tolerance || cv::norm(shift) > tolerance ||
         std::abs(tilt_deg(now) - tilt_deg(guide)) > kGuideTiltDeg;
}

}  // namespace

LandmarkTracker::LandmarkTracker(std::shared_ptr<const LandmarkPredictor> predictor, const DetectionSettings& detection,
                                 const ValiditySettings& validity)
    : predictor_(std::move(predictor)), detection_(detection), validity_(validity) {
  if (!predictor_) throw std::invalid_argument("LandmarkTracker needs a landmark predictor");
}

void LandmarkTracker::reset() {
  previous_.reset();
  guide_.reset();
  solver_.reset();
  frames_since_detection_ = 0;
  failed_detections_ = 0;
  last_search_s_.reset();
}

std::optional<FaceObservation> LandmarkTracker::track(const cv::Mat& gray, double timestamp_s) {
  work_ = {};
  std::optional<FaceObservation> face;
  if (previous_) face = follow(gray);
  // Not tracking, or the track just ended (a cut, the face gone): search this very frame.
  if (!previous_) face = search(gray, timestamp_s);
  if (face) {
    previous_ = face;
    if (!guide_ || guide_moved(*guide_, face->landmarks)) guide_ = face->landmarks;
    previous_thumbnail_ = face_thumbnail(gray, face_box_from_landmarks(*guide_));
  }
  return face;
}

std::optional<FaceObservation> LandmarkTracker::search(const cv::Mat& gray, double timestamp_s) {
  // A timestamp that went backwards (a restarted video) is not a reason to wait.
  if (last_search_s_ && timestamp_s >= *last_search_s_ &&
      timestamp_s - *last_search_s_ < detection_.search_retry_interval_s) {
    return std::nullopt;
  }
  last_search_s_ = timestamp_s;

  std::vector<double> scales{detection_.search_scale};
  if (detection_.search_full_frame_fallback && detection_.search_scale != 1.0) scales.push_back(1.0);
  solver_.reset();  // a new face: no previous pose to start from (fit() resets it again after a rejection)
  for (double scale : scales) {
    (scale == 1.0 ? work_.searched_full_frame : work_.searched) = true;
    const std::vector<cv::Rect> faces = detector_.detect(gray, scale);
    for (std::size_t i = 0; i < faces.size() && i < kMaxCandidates; ++i) {
      // The landmarks found in the detector's box only guide the final search (see fit()).
      if (std::optional<FaceObservation> face = fit(gray, predictor_->predict(gray, faces[i]), 0.0)) {
        guide_.reset();
        frames_since_detection_ = 0;
        failed_detections_ = 0;
        last_search_s_.reset();
        return face;
      }
    }
  }
  return std::nullopt;
}

std::optional<FaceObservation> LandmarkTracker::follow(const cv::Mat& gray) {
  const double previous_interocular = interocular_distance(previous_->landmarks);
  FaceLandmarks guide = *guide_;
  const cv::Rect box = face_box_from_landmarks(guide);
  // The landmarks would stay on the background after a cut or when the face leaves; the box's content
  // changing at once gives that away long before the periodic re-detection.
  const bool appearance_changed =
      thumbnail_correlation(previous_thumbnail_, face_thumbnail(gray, box)) < detection_.min_appearance_correlation;
  ++frames_since_detection_;
  std::optional<Redetection> detection;
  if (appearance_changed || frames_since_detection_ >= detection_.redetect_every_frames) {
    detection = redetect(gray, box, guide);
    if (appearance_changed && detection == Redetection::kMissed) {
      reset();  // the face is gone: search from the next frame
      return std::nullopt;
    }
  }
  // A face the detector found elsewhere may legitimately be of another size (a quick lean forward).
  std::optional<FaceObservation> face = fit(gray, guide, detection == Redetection::kMoved ? 0.0 : previous_interocular);
  if (!face && !detection) {
    detection = redetect(gray, box, guide);
    if (detection == Redetection::kMoved) face = fit(gray, guide, 0.0);
  }
  // A detection attempt confirms the face only if the detector found one and the fit was accepted. After a
  // miss, try again on the next frame: two misses in a row end the track.
  if (detection) {
    if (detection != Redetection::kMissed && face) {
      failed_detections_ = 0;
    } else {
      ++failed_detections_;
      frames_since_detection_ = detection_.redetect_every_frames - 1;
    }
  }
  if (failed_detections_ >= detection_.max_failed_redetections) {
    reset();
    return std::nullopt;
  }
  return face;
}

LandmarkTracker::Redetection LandmarkTracker::redetect(const cv::Mat& gray, const cv::Rect& box, FaceLandmarks& guide) {
  work_.redetected = true;
  frames_since_detection_ = 0;
  const std::optional<cv::Rect> found =
      detector_.detect_near(gray, box, detection_.redetect_crop_factor, detection_.redetect_face_size_px);
  if (!found) return Redetection::kMissed;
  // HOG's boxes come in pyramid steps 20% apart, and the landmark model copies a wrong box size into the
  // face it returns; so a detection only confirms the tracked face unless the two clearly disagree.
  const double overlap = static_cast<double>((*found & box).area()) / static_cast<double>((*found | box).area());
  if (overlap >= kSameFaceOverlap) return Redetection::kConfirmed;
  guide = predictor_->predict(gray, *found);
  return Redetection::kMoved;
}

std::optional<FaceObservation> LandmarkTracker::fit(const cv::Mat& gray, const FaceLandmarks& guide,
                                                    double expected_interocular_px) {
  FaceObservation face;
  face.landmarks = predict_landmarks_near(*predictor_, gray, guide);
  const double interocular = interocular_distance(face.landmarks);
  if (interocular < kMinInterocularPx ||
      (expected_interocular_px > 0.0 &&
       std::abs(interocular / expected_interocular_px - 1.0) > validity_.max_interocular_change)) {
    solver_.reset();
    return std::nullopt;
  }
  std::optional<HeadPose> head = solver_.solve(face.landmarks, gray.size());
  if (!head || head->reprojection_rms_px > validity_.max_reprojection_rms * head->face_scale_px ||
      std::abs(head_angles(head->rotation).yaw_deg) > validity_.max_abs_yaw_deg) {
    solver_.reset();
    return std::nullopt;
  }
  face.head = *head;
  return face;
}

}  // namespace tha4::tracking
