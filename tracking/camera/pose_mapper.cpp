#include "tracking/camera/pose_mapper.h"

#include "tracking/camera/head_pose_solver.h"
#include "tracking/camera/tracking_math.h"

#include <cmath>
#include <stdexcept>
#include <string>
#include <string_view>

namespace tha4::tracking {
namespace {

int index_of(std::string_view name) {
  const std::optional<int> index = find_pose_parameter(name);
  if (!index) throw std::logic_error("pose table has no parameter " + std::string(name));
  return *index;
}

// Indices of the parameters the mapper writes; [0] is THA's *_left, [1] its *_right.
struct PoseIndices {
  using Pair = std::array<int, 2>;
  const Pair eyebrow_troubled{index_of("eyebrow_troubled_left"), index_of("eyebrow_troubled_right")};
  const Pair eyebrow_angry{index_of("eyebrow_angry_left"), index_of("eyebrow_angry_right")};
  const Pair eyebrow_lowered{index_of("eyebrow_lowered_left"), index_of("eyebrow_lowered_right")};
  const Pair eyebrow_raised{index_of("eyebrow_raised_left"), index_of("eyebrow_raised_right")};
  const Pair eyebrow_happy{index_of("eyebrow_happy_left"), index_of("eyebrow_happy_right")};
  const Pair eyebrow_serious{index_of("eyebrow_serious_left"), index_of("eyebrow_serious_right")};
  const Pair eye_wink{index_of("eye_wink_left"), index_of("eye_wink_right")};
  const Pair eye_happy_wink{index_of("eye_happy_wink_left"), index_of("eye_happy_wink_right")};
  const Pair eye_surprised{index_of("eye_surprised_left"), index_of("eye_surprised_right")};
  const Pair eye_raised_lower_eyelid{index_of("eye_raised_lower_eyelid_left"),
                                     index_of("eye_raised_lower_eyelid_right")};
  const Pair iris_small{index_of("iris_small_left"), index_of("iris_small_right")};
  const int mouth_aaa = index_of("mouth_aaa");
  const int mouth_iii = index_of("mouth_iii");
  const int mouth_uuu = index_of("mouth_uuu");
  const int mouth_ooo = index_of("mouth_ooo");
  const Pair mouth_lowered_corner{index_of("mouth_lowered_corner_left"), index_of("mouth_lowered_corner_right")};
  const Pair mouth_raised_corner{index_of("mouth_raised_corner_left"), index_of("mouth_raised_corner_right")};
  const int iris_rotation_x = index_of("iris_rotation_x");
  const int iris_rotation_y = index_of("iris_rotation_y");
  const int head_x = index_of("head_x");
  const int head_y = index_of("head_y");
  const int neck_z = index_of("neck_z");
  const int body_y = index_of("body_y");
  const int body_z = index_of("body_z");
};

const PoseIndices& indices() {
  static const PoseIndices table;
  return table;
}

const PoseIndices::Pair& eyebrow_down_pair(EyebrowDownMode mode) {
  switch (mode) {
    case EyebrowDownMode::kTroubled: return indices().eyebrow_troubled;
    case EyebrowDownMode::kLowered: return indices().eyebrow_lowered;
    case EyebrowDownMode::kSerious: return indices().eyebrow_serious;
    case EyebrowDownMode::kAngry: break;
  }
  return indices().eyebrow_angry;
}

// Formula constants of the mapping (tracking recipe §3.3), in units of the relative feature change.
constexpr double kSmileFullLift = 0.06;  // corner lift above neutral that reads as a full smile
constexpr double kFrownFullDrop = 0.04;  // corner drop below neutral that reads as fully lowered corners
constexpr double kSmileDegreeMin = 0.4;  // THA4 smile_threshold_min / max: smile -> happy eyes and brows
constexpr double kSmileDegreeMax = 0.6;
constexpr double kSurprisedStart = 1.1;  // eye aspect / neutral where eyes start to read as wide
constexpr double kSurprisedSpan = 0.3;
constexpr double kLowerLidStart = 0.15;   // relative eye narrowing before a smile lifts the lower lid
constexpr double kBrowRaisedFull = 0.25;  // relative brow height change for a full raise
constexpr double kBrowDownFull = 0.15;    // and for a full lowering
// Landmark noise on a still face (sensor noise, 0.3 px sway; 5 test portraits): brow height 1.1-2.3%
// (relative), corner lift 0.002-0.005 (inter-ocular units). Twice that reads as no movement.
constexpr double kBrowDeadZone = 0.04;
constexpr double kCornerDeadZone = 0.008;
constexpr double kMouthOpenStart = 0.08;    // mouth aspect above neutral: open starts here ...
constexpr double kMouthOpenFull = 0.45;     // ... and is full here
constexpr double kMouthWideStart = 1.02;    // mouth width / neutral above which an open mouth reads "iii"
constexpr double kMouthNarrowStart = 0.98;  // and below which it reads "ooo" (open) or "uuu" (barely open)
constexpr double kMouthShapeSpan = 0.12;
constexpr double kGazeFullX = 0.35;       // iris x change (eye half-widths) for a full sideways look
constexpr double kGazeFullY = 0.12;       // iris y change (eye widths) for a full look up or down
constexpr double kGazeHoldClosure = 0.3;  // eyes closing more than this: the dark centroid is the lid, hold gaze

// 0 inside +-zone; outside it, the distance beyond the zone's edge.
double dead_zone_shift(double value, double zone) {
  if (std::abs(value) <= zone) return 0.0;
  return std::copysign(std::abs(value) - zone, value);
}

// A dead zone for -1..1 values that still reaches +-1 at the ends.
double dead_zone(double value, double zone) { return dead_zone_shift(value, zone) / (1.0 - zone); }

}  // namespace

PoseMapper::PoseMapper(const MappingSettings& settings) : settings_(settings) {}

void PoseMapper::set_settings(const MappingSettings& settings) { settings_ = settings; }

Pose PoseMapper::neutral_pose() const {
  Pose pose = rest_pose();
  // The camera cannot see iris size: the user's slider sets it.
  pose[indices().iris_small[0]] = static_cast<float>(settings_.tuning.iris_size);
  pose[indices().iris_small[1]] = static_cast<float>(settings_.tuning.iris_size);
  return pose;
}

void PoseMapper::reset() {
  eye_shut_ = {false, false};
  gaze_ = {0.0, 0.0};
  previous_.reset();
}

Pose PoseMapper::map(const FaceFeatures& features, const cv::Matx33d& rotation, const NeutralFace& neutral) {
  Pose pose = neutral_pose();
  const bool expressions_reliable = std::abs(head_angles(rotation).yaw_deg) <= settings_.freeze_features_yaw_deg;
  if (expressions_reliable || !previous_) {
    map_expression(features, neutral.features, pose);
  } else {
    pose = *previous_;  // head turned too far: hold the face; the head below stays live
  }
  map_head(rotation, neutral.rotation, pose);
  clamp_pose(pose);
  previous_ = pose;
  return pose;
}

PoseMapper::EyeClosures PoseMapper::eye_closures(const FaceFeatures& f, const FaceFeatures& neutral) {
  const auto closure = [&](double aspect, double neutral_aspect) {
    if (neutral_aspect <= 0.0) return 0.0;
    return smoothstep(settings_.blink_closure_start, settings_.blink_closure_full,
                      (neutral_aspect - aspect) / (settings_.blink_closed_ratio * neutral_aspect));
  };
  std::array<double, 2> c{closure(f.eye_aspect_image_left, neutral.eye_aspect_image_left),
                          closure(f.eye_aspect_image_right, neutral.eye_aspect_image_right)};
  if (settings_.link_blinks && std::abs(c[0] - c[1]) <= settings_.wink_difference) c[0] = c[1] = (c[0] + c[1]) / 2;
  // Hysteresis: a closing eye snaps shut past the close threshold and stays shut until it is clearly open
  // again, so landmark noise around half-closed does not flicker.
  for (std::size_t side = 0; side < c.size(); ++side) {
    if (eye_shut_[side] && c[side] < settings_.blink_open_threshold) eye_shut_[side] = false;
    if (!eye_shut_[side] && c[side] > settings_.blink_close_threshold) eye_shut_[side] = true;
    if (eye_shut_[side]) c[side] = 1.0;
  }
  return {c[0], c[1]};
}

void PoseMapper::map_expression(const FaceFeatures& f, const FaceFeatures& neutral, Pose& pose) {
  const PoseIndices& at = indices();
  // THA's *_left is the avatar's left. Mirrored, the avatar's left side copies the user's right side, which
  // is the image-left one; as a puppet it copies the user's left, the image-right side.
  const std::size_t image_left = settings_.tuning.mirror ? 0 : 1;
  const std::size_t image_right = 1 - image_left;
  const auto set_pair = [&](const PoseIndices::Pair& pair, double image_left_value, double image_right_value) {
    pose[pair[image_left]] = static_cast<float>(image_left_value);
    pose[pair[image_right]] = static_cast<float>(image_right_value);
  };

  const double lift = dead_zone_shift(f.mouth_corner_lift - neutral.mouth_corner_lift, kCornerDeadZone);
  const double smile = saturate(lift / kSmileFullLift);
  const double smile_degree = saturate((smile - kSmileDegreeMin) / (kSmileDegreeMax - kSmileDegreeMin));

  const EyeClosures closure = eye_closures(f, neutral);
  set_pair(at.eye_wink, (1.0 - smile_degree) * closure.image_left, (1.0 - smile_degree) * closure.image_right);
  set_pair(at.eye_happy_wink, smile_degree * closure.image_left, smile_degree * closure.image_right);
  const auto relative = [](double value, double reference) { return reference > 0.0 ? value / reference : 1.0; };
  const double eye_left = relative(f.eye_aspect_image_left, neutral.eye_aspect_image_left);
  const double eye_right = relative(f.eye_aspect_image_right, neutral.eye_aspect_image_right);
  set_pair(at.eye_surprised, saturate((eye_left - kSurprisedStart) / kSurprisedSpan),
           saturate((eye_right - kSurprisedStart) / kSurprisedSpan));
  set_pair(at.eye_raised_lower_eyelid, saturate(1.0 - eye_left - kLowerLidStart) * smile,
           saturate(1.0 - eye_right - kLowerLidStart) * smile);

  const double brow_left =
      dead_zone_shift(relative(f.brow_height_image_left, neutral.brow_height_image_left) - 1.0, kBrowDeadZone);
  const double brow_right =
      dead_zone_shift(relative(f.brow_height_image_right, neutral.brow_height_image_right) - 1.0, kBrowDeadZone);
  set_pair(at.eyebrow_raised, saturate(brow_left / kBrowRaisedFull), saturate(brow_right / kBrowRaisedFull));
  set_pair(eyebrow_down_pair(settings_.tuning.eyebrow_down_mode),
           saturate(-brow_left / kBrowDownFull) * (1.0 - smile_degree),
           saturate(-brow_right / kBrowDownFull) * (1.0 - smile_degree));
  set_pair(at.eyebrow_happy, smile * smile_degree, smile * smile_degree);

  const double mouth_opening = f.mouth_aspect - neutral.mouth_aspect;
  const double open = smoothstep(kMouthOpenStart, kMouthOpenFull, mouth_opening);
  const double width = relative(f.mouth_width, neutral.mouth_width);
  const double wide = saturate((width - kMouthWideStart) / kMouthShapeSpan);
  const double narrow = saturate((kMouthNarrowStart - width) / kMouthShapeSpan);
  pose[at.mouth_aaa] = static_cast<float>(open * (1.0 - wide) * (1.0 - narrow));
  pose[at.mouth_iii] = static_cast<float>(open * wide);
  pose[at.mouth_ooo] = static_cast<float>(open * narrow);
  pose[at.mouth_uuu] = static_cast<float>((1.0 - open) * narrow * saturate(mouth_opening / kMouthOpenStart));
  set_pair(at.mouth_raised_corner, smile, smile);
  const double frown = open > 0.0 ? 0.0 : saturate(-lift / kFrownFullDrop);
  set_pair(at.mouth_lowered_corner, frown, frown);

  map_gaze(f, neutral, std::max(closure.image_left, closure.image_right), pose);
}

void PoseMapper::map_gaze(const FaceFeatures& f, const FaceFeatures& neutral, double closure, Pose& pose) {
  if (!settings_.tuning.gaze) {
    gaze_ = {0.0, 0.0};
  } else if (closure <= kGazeHoldClosure && f.iris && neutral.iris) {
    // Positive iris_rotation_y looks toward image-right in the mirrored (THA4 demo) convention; up is positive x.
    const cv::Point2d shift = *f.iris - *neutral.iris;
    gaze_[0] = std::clamp(dead_zone(-settings_.gaze_gain * shift.y / kGazeFullY, settings_.gaze_dead_zone), -1.0, 1.0);
    gaze_[1] = std::clamp(dead_zone(settings_.gaze_gain * shift.x / kGazeFullX, settings_.gaze_dead_zone), -1.0, 1.0);
  }
  pose[indices().iris_rotation_x] = static_cast<float>(gaze_[0]);
  pose[indices().iris_rotation_y] = static_cast<float>(settings_.tuning.mirror ? gaze_[1] : -gaze_[1]);
}

void PoseMapper::map_head(const cv::Matx33d& rotation, const cv::Matx33d& neutral_rotation, Pose& pose) const {
  // The rotation relative to the neutral one, decomposed in the camera frame: subtracting Euler angles
  // instead leaks yaw into a tilted head (7.7 degrees from a 20 degree tilt, tracking recipe §3.3).
  const HeadAngles relative = head_angles(rotation * neutral_rotation.t());
  const double side_sign = settings_.tuning.mirror ? 1.0 : -1.0;
  const double head_x = std::clamp(-relative.pitch_deg / settings_.head_pitch_full_deg, -1.0, 1.0);
  const double head_y = std::clamp(-side_sign * relative.yaw_deg / settings_.head_yaw_full_deg, -1.0, 1.0);
  const double neck_z = std::clamp(side_sign * relative.roll_deg / settings_.head_roll_full_deg, -1.0, 1.0);
  const PoseIndices& at = indices();
  pose[at.head_x] = static_cast<float>(head_x);
  pose[at.head_y] = static_cast<float>(head_y);
  pose[at.neck_z] = static_cast<float>(neck_z);
  pose[at.body_y] = static_cast<float>(head_y);
  pose[at.body_z] = static_cast<float>(neck_z);
}

}  // namespace tha4::tracking
