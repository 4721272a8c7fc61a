#include "tracking/camera/face_features.h"

#include "tracking/camera/iris_locator.h"

#include <cmath>

namespace tha4::tracking {
namespace {

double distance(const cv::Point2f& a, const cv::Point2f& b) { return cv::norm(a - b); }

// (|p1 - p5| + |p2 - p4|) / (2 |p0 - p3|) for the eye's six points in iBUG order: corner, two upper-lid
// points, corner, two lower-lid points.
double eye_aspect_ratio(const FaceLandmarks& l, int first) {
  const double width = distance(l[first], l[first + 3]);
  if (width <= 0.0) return 0.0;
  return (distance(l[first + 1], l[first + 5]) + distance(l[first + 2], l[first + 4])) / (2.0 * width);
}

double mouth_aspect_ratio(const FaceLandmarks& l) {
  const double width = distance(l[landmark::kInnerMouthCornerImageLeft], l[landmark::kInnerMouthCornerImageRight]);
  if (width <= 0.0) return 0.0;
  double gap = 0.0;
  for (std::size_t i = 0; i < landmark::kInnerUpperLip.size(); ++i) {
    gap += distance(l[landmark::kInnerUpperLip[i]], l[landmark::kInnerLowerLip[i]]);
  }
  return gap / (landmark::kInnerUpperLip.size() * width);
}

// The corner-to-corner direction of an eye (iBUG lists both eyes' corners left to right in the image) and
// its normal pointing down the face.
struct EyeAxes {
  cv::Point2d centre, across, down;
  double width;
};

EyeAxes eye_axes(const FaceLandmarks& l, int first_eye) {
  const cv::Point2d a = l[first_eye], b = l[first_eye + 3];
  const double width = cv::norm(b - a);
  const cv::Point2d across = width > 0.0 ? (b - a) * (1.0 / width) : cv::Point2d(1.0, 0.0);
  return {(a + b) * 0.5, across, cv::Point2d(-across.y, across.x), width};
}

// Mean height of the brow points above the line through the eye's corners, in units of `unit`.
double brow_height(const FaceLandmarks& l, int first_brow, int first_eye, double unit) {
  const EyeAxes eye = eye_axes(l, first_eye);
  double height = 0.0;
  for (int i = 0; i < landmark::kBrowPoints; ++i) height -= (cv::Point2d(l[first_brow + i]) - eye.centre).dot(eye.down);
  return height / (landmark::kBrowPoints * unit);
}

// Pupil position in eye coordinates: x = 2 (c - m).u / |corners| (-1..1 corner to corner, u pointing to
// image-right), y = (c - m).v / |corners| (v pointing down), with m the corners' midpoint.
std::optional<cv::Point2d> iris_in_eye(const cv::Mat& gray, const FaceLandmarks& l, int first_eye) {
  const EyeAxes eye = eye_axes(l, first_eye);
  if (eye.width <= 0.0) return std::nullopt;
  const std::optional<cv::Point2f> pupil = locate_pupil(gray, l, first_eye);
  if (!pupil) return std::nullopt;
  const cv::Point2d offset = cv::Point2d(*pupil) - eye.centre;
  return cv::Point2d(2.0 * offset.dot(eye.across) / eye.width, offset.dot(eye.down) / eye.width);
}

}  // namespace

FaceFeatures measure_face_features(const FaceLandmarks& l, const cv::Mat& gray) {
  FaceFeatures f;
  const double unit = interocular_distance(l);
  if (unit <= 0.0) return f;
  const cv::Point2d outer_left = l[landmark::kEyeImageLeftOuter];
  const cv::Point2d outer_right = l[landmark::kEyeImageRightOuter];
  const cv::Point2d across = (outer_right - outer_left) * (1.0 / unit);
  const cv::Point2d down(-across.y, across.x);

  f.eye_aspect_image_left = eye_aspect_ratio(l, landmark::kEyeImageLeftFirst);
  f.eye_aspect_image_right = eye_aspect_ratio(l, landmark::kEyeImageRightFirst);
  f.mouth_aspect = mouth_aspect_ratio(l);
  f.mouth_width = distance(l[landmark::kMouthCornerImageLeft], l[landmark::kMouthCornerImageRight]) / unit;
  const cv::Point2d lip_centre =
      (cv::Point2d(l[landmark::kInnerUpperLipCentre]) + cv::Point2d(l[landmark::kInnerLowerLipCentre])) * 0.5;
  const cv::Point2d corners =
      (cv::Point2d(l[landmark::kMouthCornerImageLeft]) + cv::Point2d(l[landmark::kMouthCornerImageRight])) * 0.5;
  f.mouth_corner_lift = (lip_centre - corners).dot(down) / unit;
  f.brow_height_image_left = brow_height(l, landmark::kBrowImageLeftFirst, landmark::kEyeImageLeftFirst, unit);
  f.brow_height_image_right = brow_height(l, landmark::kBrowImageRightFirst, landmark::kEyeImageRightFirst, unit);

  const std::optional<cv::Point2d> left_iris = iris_in_eye(gray, l, landmark::kEyeImageLeftFirst);
  const std::optional<cv::Point2d> right_iris = iris_in_eye(gray, l, landmark::kEyeImageRightFirst);
  if (left_iris && right_iris) {
    f.iris = (*left_iris + *right_iris) * 0.5;
  } else {
    f.iris = left_iris ? left_iris : right_iris;
  }
  return f;
}

}  // namespace tha4::tracking
