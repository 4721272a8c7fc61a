#include "tracking/camera/iris_locator.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <array>
#include <cstdint>

namespace tha4::tracking {
namespace {

constexpr double kDarkFraction = 0.25;  // the darkest quarter of the eye is mostly iris and pupil
constexpr int kMinEyePixels = 12;       // fewer pixels than this inside the outline: no estimate
constexpr int kSubpixelBits = 4;        // the outline is drawn with 1/16 px precision

}  // namespace

std::optional<cv::Point2f> locate_pupil(const cv::Mat& gray, const FaceLandmarks& landmarks, int first_eye_landmark) {
  std::array<cv::Point2f, landmark::kEyePoints> outline;
  for (int i = 0; i < landmark::kEyePoints; ++i) outline[i] = landmarks[first_eye_landmark + i];
  const cv::Rect bounds = cv::boundingRect(outline) & cv::Rect(0, 0, gray.cols, gray.rows);
  if (bounds.area() < kMinEyePixels) return std::nullopt;

  cv::Mat mask = cv::Mat::zeros(bounds.size(), CV_8UC1);
  std::array<cv::Point, landmark::kEyePoints> local;
  for (int i = 0; i < landmark::kEyePoints; ++i) {
    local[i] = cv::Point(cvRound((outline[i].x - bounds.x) * (1 << kSubpixelBits)),
                         cvRound((outline[i].y - bounds.y) * (1 << kSubpixelBits)));
  }
  cv::fillConvexPoly(mask, local.data(), landmark::kEyePoints, cv::Scalar(255), cv::LINE_8, kSubpixelBits);

  const cv::Mat eye = gray(bounds);
  std::array<int, 256> histogram{};
  int inside = 0;
  for (int y = 0; y < eye.rows; ++y) {
    const std::uint8_t* pixel = eye.ptr<std::uint8_t>(y);
    const std::uint8_t* in_mask = mask.ptr<std::uint8_t>(y);
    for (int x = 0; x < eye.cols; ++x) {
      if (in_mask[x] == 0) continue;
      ++histogram[pixel[x]];
      ++inside;
    }
  }
  if (inside < kMinEyePixels) return std::nullopt;

  const int wanted = std::max(1, static_cast<int>(kDarkFraction * inside));
  int threshold = 0;
  for (int count = 0; threshold < 255; ++threshold) {
    count += histogram[threshold];
    if (count >= wanted) break;
  }

  double weight_sum = 0.0, x_sum = 0.0, y_sum = 0.0;
  for (int y = 0; y < eye.rows; ++y) {
    const std::uint8_t* pixel = eye.ptr<std::uint8_t>(y);
    const std::uint8_t* in_mask = mask.ptr<std::uint8_t>(y);
    for (int x = 0; x < eye.cols; ++x) {
      if (in_mask[x] == 0 || pixel[x] > threshold) continue;
      const double weight = threshold - pixel[x] + 1;
      weight_sum += weight;
      x_sum += weight * x;
      y_sum += weight * y;
    }
  }
  // Landmarks, like dlib, put pixel centres at integer coordinates.
  return cv::Point2f(static_cast<float>(bounds.x + x_sum / weight_sum),
                     static_cast<float>(bounds.y + y_sum / weight_sum));
}

}  // namespace tha4::tracking
