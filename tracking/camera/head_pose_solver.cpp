#include "tracking/camera/head_pose_solver.h"

#include "tracking/camera/tracking_math.h"

#include <opencv2/calib3d.hpp>

#include <cmath>
#include <vector>

namespace tha4::tracking {

const std::array<int, kRigidLandmarkCount>& rigid_landmark_indices() {
  // Jaw sides (0-2, 14-16), nose bridge and base (27-35), eye corners (36, 39, 42, 45): mouth, chin and
  // brows are left out so that talking and raising the brows do not tilt the head.
  static const std::array<int, kRigidLandmarkCount> indices{0,  1,  2,  14, 15, 16, 27, 28, 29, 30,
                                                            31, 32, 33, 34, 35, 36, 39, 42, 45};
  return indices;
}

const std::array<cv::Point3d, kRigidLandmarkCount>& rigid_model_points() {
  // The 68-point mean face of yinguobing/head-pose-estimation (assets/model.txt, MIT licence,
  // Copyright (c) 2017 Yin Guobing), at the indices above, as published: a frontal face gives R = I.
  static const std::array<cv::Point3d, kRigidLandmarkCount> points{{
      {-73.393523, -29.801432, 47.667532}, {-72.775014, -10.949766, 45.909403}, {-70.533638, 7.929818, 44.842580},
      {68.212038, 6.990805, 42.281449},    {70.486405, -11.666193, 44.142567},  {71.375822, -30.365191, 47.140426},
      {0.653940, -42.193790, -13.380835},  {0.804809, -30.993721, -21.150853},  {0.992204, -19.944596, -29.284036},
      {1.226783, -8.414541, -36.948060},   {-14.772472, 2.598255, -20.132003},  {-7.180239, 4.751589, -23.536684},
      {0.555920, 6.562900, -25.944448},    {8.272499, 4.661005, -23.695741},    {15.214351, 2.643046, -20.858157},
      {-46.047290, -37.471411, 7.037989},  {-19.648268, -36.754742, -0.111088}, {19.265868, -37.032306, -0.665746},
      {45.170805, -38.086515, 4.894163},
  }};
  return points;
}

HeadAngles head_angles(const cv::Matx33d& r) {
  return {degrees(std::atan2(r(0, 2), r(2, 2))), degrees(std::asin(std::clamp(-r(1, 2), -1.0, 1.0))),
          degrees(std::atan2(r(1, 0), r(1, 1)))};
}

cv::Matx33d rotation_from_angles(const HeadAngles& angles) {
  const double y = radians(angles.yaw_deg), p = radians(angles.pitch_deg), r = radians(angles.roll_deg);
  const cv::Matx33d ry(std::cos(y), 0, std::sin(y), 0, 1, 0, -std::sin(y), 0, std::cos(y));
  const cv::Matx33d rx(1, 0, 0, 0, std::cos(p), -std::sin(p), 0, std::sin(p), std::cos(p));
  const cv::Matx33d rz(std::cos(r), -std::sin(r), 0, std::sin(r), std::cos(r), 0, 0, 0, 1);
  return ry * rx * rz;
}

std::optional<HeadPose> HeadPoseSolver::solve(const FaceLandmarks& landmarks, cv::Size image_size) {
  const std::vector<cv::Point3d> model(rigid_model_points().begin(), rigid_model_points().end());
  std::vector<cv::Point2d> image_points;
  image_points.reserve(kRigidLandmarkCount);
  for (int index : rigid_landmark_indices()) image_points.emplace_back(landmarks[index]);

  const double focal = image_size.width;
  const cv::Matx33d camera(focal, 0, image_size.width / 2.0, 0, focal, image_size.height / 2.0, 0, 0, 1);
  cv::Vec3d rvec, tvec;
  bool solved = false;
  if (previous_rvec_ && previous_tvec_) {
    rvec = *previous_rvec_;
    tvec = *previous_tvec_;
    solved = cv::solvePnP(model, image_points, camera, cv::noArray(), rvec, tvec, true, cv::SOLVEPNP_ITERATIVE);
  } else {
    // Cold start: SQPnP finds the global minimum from nothing, Levenberg-Marquardt then polishes it.
    solved = cv::solvePnP(model, image_points, camera, cv::noArray(), rvec, tvec, false, cv::SOLVEPNP_SQPNP) &&
             cv::solvePnP(model, image_points, camera, cv::noArray(), rvec, tvec, true, cv::SOLVEPNP_ITERATIVE);
  }
  if (!solved || !cv::checkRange(rvec) || !cv::checkRange(tvec) || tvec[2] <= 0.0) {
    reset();
    return std::nullopt;
  }

  std::vector<cv::Point2d> projected;
  cv::projectPoints(model, rvec, tvec, camera, cv::noArray(), projected);
  double squared_error = 0.0;
  for (int i = 0; i < kRigidLandmarkCount; ++i) {
    const cv::Point2d d = projected[i] - image_points[i];
    squared_error += d.dot(d);
  }

  previous_rvec_ = rvec;
  previous_tvec_ = tvec;
  HeadPose pose;
  cv::Rodrigues(rvec, pose.rotation);
  pose.translation = tvec;
  pose.reprojection_rms_px = std::sqrt(squared_error / kRigidLandmarkCount);
  const std::array<cv::Point3d, kRigidLandmarkCount>& m = rigid_model_points();
  pose.face_scale_px = focal * cv::norm(m[kRigidLandmarkCount - 1] - m[kRigidLandmarkCount - 4]) / tvec[2];
  return pose;
}

void HeadPoseSolver::reset() {
  previous_rvec_.reset();
  previous_tvec_.reset();
}

}  // namespace tha4::tracking
