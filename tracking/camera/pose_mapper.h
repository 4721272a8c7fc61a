#pragma once
// Face measurements relative to the user's neutral face -> the 45 THA4 parameters (tracking recipe §3.3,
// following THA4's MediaPipe converter where it has a formula): head and body rotation, blinks with
// hysteresis, smile, brows, mouth shapes and gaze, mirrored or not.

#include "inference/pose/pose.h"
#include "tracking/camera/face_features.h"
#include "tracking/camera/neutral_calibration.h"
#include "tracking/camera/tracker_settings.h"

#include <opencv2/core/matx.hpp>

#include <array>
#include <optional>

namespace tha4::tracking {

class PoseMapper {
 public:
  explicit PoseMapper(const MappingSettings& settings);

  void set_settings(const MappingSettings& settings);
  const MappingSettings& settings() const { return settings_; }

  // One frame's pose (without breathing, unsmoothed). `rotation` is the camera-frame head rotation; at
  // large yaw the expression parameters keep their previous values. Stateful: blink hysteresis, the gaze
  // held during blinks and the values held at large yaw carry over to the next call.
  Pose map(const FaceFeatures& features, const cv::Matx33d& rotation, const NeutralFace& neutral);

  // What a neutral face maps to: the rest pose with the user's iris sizes.
  Pose neutral_pose() const;

  // Forget the state carried between frames (the face was lost).
  void reset();

 private:
  struct EyeClosures {
    double image_left;
    double image_right;
  };
  EyeClosures eye_closures(const FaceFeatures& features, const FaceFeatures& neutral);
  void map_expression(const FaceFeatures& features, const FaceFeatures& neutral, Pose& pose);
  void map_gaze(const FaceFeatures& features, const FaceFeatures& neutral, double closure, Pose& pose);
  void map_head(const cv::Matx33d& rotation, const cv::Matx33d& neutral_rotation, Pose& pose) const;

  MappingSettings settings_;
  std::array<bool, 2> eye_shut_{};  // blink hysteresis state: image-left, image-right
  cv::Vec2d gaze_{0.0, 0.0};        // iris_rotation_x, iris_rotation_y, held while the eyes close
  std::optional<Pose> previous_;
};

}  // namespace tha4::tracking
