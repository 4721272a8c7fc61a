#pragma once
// The user's neutral face, against which every expression and head rotation is measured: the median of each
// feature over about a second of a relaxed face looking at the camera, then a slow drift toward the user's
// current near-neutral frames (lighting, posture). No fixed thresholds: open-eye aspect ratios alone range
// from 0.21 to 0.45 between people (tracking recipe §1.5).

#include "tracking/camera/face_features.h"
#include "tracking/camera/tracker_settings.h"

#include <opencv2/core/matx.hpp>

#include <optional>
#include <vector>

namespace tha4::tracking {

struct NeutralFace {
  cv::Matx33d rotation = cv::Matx33d::eye();  // the head rotation that maps to head_x = head_y = neck_z = 0
  FaceFeatures features;
};

// The rotation nearest (in the Frobenius sense) to the mean of `rotations`: their chordal mean.
cv::Matx33d mean_rotation(const std::vector<cv::Matx33d>& rotations);

class NeutralCalibration {
 public:
  explicit NeutralCalibration(const CalibrationSettings& settings);

  // Collect a new neutral from the next frames. The current neutral, if any, stays in use until then (the
  // "calibrate" button: same user, same seat).
  void restart();
  // Drop the neutral and collect a new one (someone else, or the same user in another place).
  void start_over();
  // One tracked frame. While calibrating it is collected; afterwards it nudges the neutral if it is close
  // to it (so expressions never become the new neutral).
  void observe(const FaceFeatures& features, const cv::Matx33d& rotation, double timestamp_s);

  bool calibrating() const { return collecting_; }
  const std::optional<NeutralFace>& neutral() const { return neutral_; }

 private:
  void finish_collecting();
  void adapt(const FaceFeatures& features, const cv::Matx33d& rotation, double timestamp_s);

  CalibrationSettings settings_;
  bool collecting_ = true;
  std::vector<FaceFeatures> samples_;
  std::vector<cv::Matx33d> sample_rotations_;
  double first_sample_s_ = 0.0;
  std::optional<double> last_adaptation_s_;
  std::optional<NeutralFace> neutral_;
};

}  // namespace tha4::tracking
