#include "tracking/camera/face_tracking_pipeline.h"

#include "tracking/camera/tracking_math.h"
#include "tracking/common/breathing.h"

#include <opencv2/imgproc.hpp>

#include <cmath>
#include <stdexcept>
#include <utility>

namespace tha4::tracking {
namespace {

const int kBreathingIndex = *find_pose_parameter("breathing");

// `frame` as 8-bit grey, in `storage` unless it already is grey.
const cv::Mat& to_gray(const cv::Mat& frame, cv::Mat& storage) {
  switch (frame.type()) {
    case CV_8UC1: return frame;
    case CV_8UC3: cv::cvtColor(frame, storage, cv::COLOR_BGR2GRAY); return storage;
    case CV_8UC4: cv::cvtColor(frame, storage, cv::COLOR_BGRA2GRAY); return storage;
    default: throw std::invalid_argument("camera tracker: frames must be 8-bit grey, BGR or BGRA");
  }
}

}  // namespace

std::string_view tracking_state_text(TrackingState state) {
  switch (state) {
    case TrackingState::kCalibrating: return "calibrating: look at the camera with a relaxed face";
    case TrackingState::kTracking: return "tracking";
    case TrackingState::kNoFace: break;
  }
  return "no face";
}

FaceTrackingPipeline::FaceTrackingPipeline(const TrackerSettings& settings)
    : FaceTrackingPipeline(settings, std::make_shared<const LandmarkPredictor>(settings.landmark_model)) {}

FaceTrackingPipeline::FaceTrackingPipeline(const TrackerSettings& settings,
                                           std::shared_ptr<const LandmarkPredictor> predictor)
    : settings_(settings),
      tracker_(std::move(predictor), settings.detection, settings.validity),
      calibration_(settings.calibration),
      mapper_(settings.mapping),
      smoother_(settings.smoothing),
      last_face_pose_(mapper_.neutral_pose()) {}

void FaceTrackingPipeline::recalibrate() { calibration_.restart(); }

void FaceTrackingPipeline::set_mapping(const MappingSettings& mapping) {
  settings_.mapping = mapping;
  mapper_.set_settings(mapping);
}

FrameResult FaceTrackingPipeline::process(const cv::Mat& frame, double timestamp_s) {
  if (last_timestamp_s_ && timestamp_s < *last_timestamp_s_) {
    // Time went backwards (a looping video): start over rather than hold or filter across the jump.
    tracker_.reset();
    mapper_.reset();
    smoother_.reset();
    last_face_s_.reset();
    breathing_start_s_.reset();
  }
  last_timestamp_s_ = timestamp_s;

  const cv::Mat* gray = &to_gray(frame, gray_);
  cv::Mat reduced;
  double scale = 1.0;
  if (settings_.detection.max_frame_width > 0 && gray->cols > settings_.detection.max_frame_width) {
    scale = static_cast<double>(settings_.detection.max_frame_width) / gray->cols;
    // Area averaging is what a large reduction needs, but OpenCV's is slow for ratios that are not whole
    // numbers (1.4 ms for 720x528 -> 640 wide); a slight reduction loses nothing to bilinear.
    cv::resize(*gray, reduced, cv::Size(), scale, scale, scale <= 0.5 ? cv::INTER_AREA : cv::INTER_LINEAR);
    gray = &reduced;
  }

  FrameResult result;
  result.face = tracker_.track(*gray, timestamp_s);
  result.work = tracker_.last_work();
  Pose target;
  if (result.face) {
    result.features = measure_face_features(result.face->landmarks, *gray);
    const bool found_again = result.work.searched || result.work.searched_full_frame;
    if (found_again && last_face_s_ && is_new_face(result.face->landmarks, timestamp_s)) calibration_.start_over();
    last_face_s_ = timestamp_s;
    last_face_box_ = face_box_from_landmarks(result.face->landmarks);
    calibration_.observe(result.features, result.face->head.rotation, timestamp_s);
    const std::optional<NeutralFace>& neutral = calibration_.neutral();
    target = neutral ? mapper_.map(result.features, result.face->head.rotation, *neutral) : mapper_.neutral_pose();
    last_face_pose_ = target;
    result.state = calibration_.calibrating() ? TrackingState::kCalibrating : TrackingState::kTracking;
    for (cv::Point2f& point : result.face->landmarks) point *= 1.0 / scale;
  } else {
    target = face_lost_pose(timestamp_s);
    mapper_.reset();  // blink and gaze state belong to the face that was lost
    result.state = TrackingState::kNoFace;
  }
  target[kBreathingIndex] = breathing(timestamp_s);

  result.pose.pose = smoother_.smooth(target, timestamp_s);
  clamp_pose(result.pose.pose);
  result.pose.timestamp = timestamp_s;
  result.pose.face_found = result.face.has_value();
  result.pose.sequence = ++frames_;
  return result;
}

bool FaceTrackingPipeline::is_new_face(const FaceLandmarks& landmarks, double timestamp_s) const {
  const CalibrationSettings& c = settings_.calibration;
  const cv::Rect box = face_box_from_landmarks(landmarks);
  const double size_change = std::abs(static_cast<double>(box.width) / last_face_box_.width - 1.0);
  const cv::Point2d shift = cv::Point2d(box.tl() + box.br() - last_face_box_.tl() - last_face_box_.br()) * 0.5;
  return timestamp_s - *last_face_s_ > c.recalibrate_after_lost_s || size_change > c.recalibrate_size_change ||
         cv::norm(shift) > c.recalibrate_shift_faces * last_face_box_.width;
}

Pose FaceTrackingPipeline::face_lost_pose(double timestamp_s) const {
  const Pose neutral = mapper_.neutral_pose();
  if (!last_face_s_) return neutral;
  const double lost_for_s = timestamp_s - *last_face_s_;
  if (lost_for_s <= settings_.face_loss.hold_s) return last_face_pose_;
  const double eased = smoothstep(0.0, 1.0, (lost_for_s - settings_.face_loss.hold_s) / settings_.face_loss.ease_s);
  return lerp_pose(last_face_pose_, neutral, static_cast<float>(eased));
}

float FaceTrackingPipeline::breathing(double timestamp_s) {
  if (settings_.mapping.tuning.breaths_per_minute <= 0.0) return 0.0F;
  if (!breathing_start_s_) breathing_start_s_ = timestamp_s;
  return breathing_value(timestamp_s - *breathing_start_s_, settings_.mapping.tuning.breaths_per_minute);
}

}  // namespace tha4::tracking
