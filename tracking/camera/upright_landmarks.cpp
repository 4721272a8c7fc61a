#include "tracking/camera/upright_landmarks.h"

#include "tracking/camera/tracking_math.h"

#include <opencv2/imgproc.hpp>

#include <cmath>

namespace tha4::tracking {
namespace {

constexpr double kUprightEnoughDeg = 10.0;  // below this tilt the model is as accurate as upright
constexpr double kCropPerBox = 2.0;         // the rotated crop spans this many face boxes

cv::Point2f transformed(const cv::Matx23d& m, const cv::Point2f& p) {
  return {static_cast<float>(m(0, 0) * p.x + m(0, 1) * p.y + m(0, 2)),
          static_cast<float>(m(1, 0) * p.x + m(1, 1) * p.y + m(1, 2))};
}

}  // namespace

FaceLandmarks predict_landmarks_near(const LandmarkPredictor& predictor, const cv::Mat& gray,
                                     const FaceLandmarks& guide) {
  const cv::Point2f eye_line = guide[landmark::kEyeImageRightOuter] - guide[landmark::kEyeImageLeftOuter];
  const double tilt_deg = degrees(std::atan2(eye_line.y, eye_line.x));  // > 0: tilted clockwise on screen
  const cv::Rect box = face_box_from_landmarks(guide);
  if (std::abs(tilt_deg) <= kUprightEnoughDeg) return predictor.predict(gray, box);

  // Turn the face upright (counter-clockwise by the tilt, about the box centre) into a crop of its own.
  const int side = static_cast<int>(std::lround(kCropPerBox * box.width));
  const cv::Point2f centre(box.x + box.width / 2.0F, box.y + box.height / 2.0F);
  cv::Matx23d to_upright = cv::getRotationMatrix2D(centre, tilt_deg, 1.0);
  to_upright(0, 2) += side / 2.0 - centre.x;
  to_upright(1, 2) += side / 2.0 - centre.y;
  cv::Mat upright;
  cv::warpAffine(gray, upright, to_upright, cv::Size(side, side), cv::INTER_LINEAR, cv::BORDER_REPLICATE);

  FaceLandmarks upright_guide;
  for (int i = 0; i < kLandmarkCount; ++i) upright_guide[i] = transformed(to_upright, guide[i]);
  const FaceLandmarks found = predictor.predict(upright, face_box_from_landmarks(upright_guide));

  cv::Matx23d back;
  cv::invertAffineTransform(to_upright, back);
  FaceLandmarks landmarks;
  for (int i = 0; i < kLandmarkCount; ++i) landmarks[i] = transformed(back, found[i]);
  return landmarks;
}

}  // namespace tha4::tracking
