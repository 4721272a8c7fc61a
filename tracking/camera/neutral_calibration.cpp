#include "tracking/camera/neutral_calibration.h"

#include "tracking/camera/tracking_math.h"

#include <opencv2/core.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>

namespace tha4::tracking {
namespace {

// Every scalar feature, so calibration and adaptation treat them alike.
constexpr std::array<double FaceFeatures::*, 7> kScalarFeatures{
    &FaceFeatures::eye_aspect_image_left,  &FaceFeatures::eye_aspect_image_right,
    &FaceFeatures::mouth_aspect,           &FaceFeatures::mouth_width,
    &FaceFeatures::mouth_corner_lift,      &FaceFeatures::brow_height_image_left,
    &FaceFeatures::brow_height_image_right};

double median(std::vector<double> values) {
  const auto middle = values.begin() + static_cast<std::ptrdiff_t>(values.size() / 2);
  std::nth_element(values.begin(), middle, values.end());
  return *middle;
}

cv::Matx33d nearest_rotation(const cv::Matx33d& m) {
  cv::Matx33d u, vt;
  cv::Vec3d singular_values;
  cv::SVD::compute(m, singular_values, u, vt);
  const double sign = cv::determinant(u * vt) < 0.0 ? -1.0 : 1.0;
  return u * cv::Matx33d(1, 0, 0, 0, 1, 0, 0, 0, sign) * vt;
}

double rotation_angle_deg(const cv::Matx33d& a, const cv::Matx33d& b) {
  const cv::Matx33d relative = a * b.t();
  const double cosine = std::clamp((cv::trace(relative) - 1.0) / 2.0, -1.0, 1.0);
  return degrees(std::acos(cosine));
}

// Close enough to the neutral face to stand for it: eyes open as usual, mouth closed, no smile or frown,
// brows at rest. The tolerances are wide enough for noise and narrow enough to exclude expressions.
bool near_neutral(const FaceFeatures& f, const FaceFeatures& neutral) {
  const auto within = [](double value, double reference, double relative) {
    return std::abs(value - reference) <= relative * std::abs(reference);
  };
  return within(f.eye_aspect_image_left, neutral.eye_aspect_image_left, 0.2) &&
         within(f.eye_aspect_image_right, neutral.eye_aspect_image_right, 0.2) &&
         f.mouth_aspect < neutral.mouth_aspect + 0.05 && within(f.mouth_width, neutral.mouth_width, 0.05) &&
         std::abs(f.mouth_corner_lift - neutral.mouth_corner_lift) < 0.02 &&
         within(f.brow_height_image_left, neutral.brow_height_image_left, 0.1) &&
         within(f.brow_height_image_right, neutral.brow_height_image_right, 0.1);
}

}  // namespace

cv::Matx33d mean_rotation(const std::vector<cv::Matx33d>& rotations) {
  cv::Matx33d sum = cv::Matx33d::zeros();
  for (const cv::Matx33d& r : rotations) sum += r;
  return nearest_rotation(sum);
}

NeutralCalibration::NeutralCalibration(const CalibrationSettings& settings) : settings_(settings) {}

void NeutralCalibration::restart() {
  collecting_ = true;
  samples_.clear();
  sample_rotations_.clear();
}

void NeutralCalibration::start_over() {
  neutral_.reset();
  restart();
}

void NeutralCalibration::observe(const FaceFeatures& features, const cv::Matx33d& rotation, double timestamp_s) {
  if (!collecting_) {
    adapt(features, rotation, timestamp_s);
    return;
  }
  if (samples_.empty() || timestamp_s < first_sample_s_) {
    samples_.clear();
    sample_rotations_.clear();
    first_sample_s_ = timestamp_s;
  }
  samples_.push_back(features);
  sample_rotations_.push_back(rotation);
  if (timestamp_s - first_sample_s_ >= settings_.neutral_duration_s &&
      static_cast<int>(samples_.size()) >= settings_.min_neutral_samples) {
    finish_collecting();
  }
}

void NeutralCalibration::finish_collecting() {
  NeutralFace face;
  face.rotation = mean_rotation(sample_rotations_);
  std::vector<double> values(samples_.size());
  for (double FaceFeatures::*feature : kScalarFeatures) {
    std::transform(samples_.begin(), samples_.end(), values.begin(), std::mem_fn(feature));
    face.features.*feature = median(values);
  }
  std::vector<double> iris_x, iris_y;
  for (const FaceFeatures& sample : samples_) {
    if (!sample.iris) continue;
    iris_x.push_back(sample.iris->x);
    iris_y.push_back(sample.iris->y);
  }
  if (!iris_x.empty()) face.features.iris = cv::Point2d(median(iris_x), median(iris_y));

  neutral_ = face;
  collecting_ = false;
  last_adaptation_s_.reset();
  samples_.clear();
  sample_rotations_.clear();
}

void NeutralCalibration::adapt(const FaceFeatures& features, const cv::Matx33d& rotation, double timestamp_s) {
  NeutralFace& neutral = *neutral_;
  if (rotation_angle_deg(rotation, neutral.rotation) > settings_.adaptation_max_angle_deg ||
      !near_neutral(features, neutral.features)) {
    return;
  }
  // Exponential drift with the configured time constant; a gap between near-neutral frames counts as at
  // most one frame at 10 fps, so a face that comes back after a pause does not jump the neutral.
  constexpr double kLongestStep_s = 0.1;
  const double step_s = last_adaptation_s_ ? std::clamp(timestamp_s - *last_adaptation_s_, 0.0, kLongestStep_s) : 0.0;
  last_adaptation_s_ = timestamp_s;
  const double weight = step_s / settings_.adaptation_time_constant_s;
  if (weight <= 0.0) return;

  for (double FaceFeatures::*feature : kScalarFeatures) {
    neutral.features.*feature += weight * (features.*feature - neutral.features.*feature);
  }
  if (features.iris && neutral.features.iris)
    *neutral.features.iris += weight * (*features.iris - *neutral.features.iris);
  neutral.rotation = nearest_rotation((1.0 - weight) * neutral.rotation + weight * rotation);
}

}  // namespace tha4::tracking
