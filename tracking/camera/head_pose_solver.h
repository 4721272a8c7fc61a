#pragma once
// Head rotation and position from 2D landmarks: cv::solvePnP of a 3D mean face on the landmarks that do not
// move with expressions, seeded with the previous frame's solution.

#include "tracking/camera/face_landmarks.h"

#include <opencv2/core/matx.hpp>

#include <array>
#include <optional>

namespace tha4::tracking {

struct HeadPose {
  cv::Matx33d rotation;              // model -> camera; camera x right, y down, z forward; identity for a frontal face
  cv::Vec3d translation;             // model origin in the camera frame, about mm
  double reprojection_rms_px = 0.0;  // of the rigid landmarks
  // The model's inter-ocular distance (91 mm) in pixels at the head's depth: the face's size without the
  // foreshortening of a turned head, the yardstick for the reprojection error.
  double face_scale_px = 0.0;
};

// Angles of R = Ry(yaw) Rx(pitch) Rz(roll) in the camera frame, in degrees. yaw > 0: the nose turns toward
// image-left (the subject's right); pitch > 0: looking down; roll > 0: the head tilts clockwise in the image.
struct HeadAngles {
  double yaw_deg = 0.0;
  double pitch_deg = 0.0;
  double roll_deg = 0.0;
};

HeadAngles head_angles(const cv::Matx33d& rotation);
cv::Matx33d rotation_from_angles(const HeadAngles& angles);

// The landmarks the solver uses (jaw sides, nose, eye corners; iBUG indices) and the 3D mean face at them
// (x right, y down, z away from the camera, about mm; outer eye corners 91 mm apart).
constexpr int kRigidLandmarkCount = 19;
const std::array<int, kRigidLandmarkCount>& rigid_landmark_indices();
const std::array<cv::Point3d, kRigidLandmarkCount>& rigid_model_points();

class HeadPoseSolver {
 public:
  // Camera model: focal length = image width, principal point at the image centre, no distortion.
  // Nothing when the solver does not converge to a finite pose.
  std::optional<HeadPose> solve(const FaceLandmarks& landmarks, cv::Size image_size);
  // Forget the previous solution (the face was lost or its fit was rejected): the next solve starts cold.
  void reset();

 private:
  std::optional<cv::Vec3d> previous_rvec_;
  std::optional<cv::Vec3d> previous_tvec_;
};

}  // namespace tha4::tracking
