#include "tracking/camera/face_appearance.h"

#include <opencv2/imgproc.hpp>

#include <cmath>

namespace tha4::tracking {
namespace {

constexpr int kThumbnailSide = 24;  // enough to tell a face from a background; 0.02 ms to make

}  // namespace

cv::Mat face_thumbnail(const cv::Mat& gray, const cv::Rect& box) {
  const cv::Rect visible = box & cv::Rect(0, 0, gray.cols, gray.rows);
  if (visible.area() * 2 < box.area()) return {};
  cv::Mat thumbnail;
  cv::resize(gray(visible), thumbnail, cv::Size(kThumbnailSide, kThumbnailSide), 0, 0, cv::INTER_AREA);
  thumbnail.convertTo(thumbnail, CV_32F);
  return thumbnail;
}

double thumbnail_correlation(const cv::Mat& a, const cv::Mat& b) {
  if (a.empty() || b.empty() || a.size() != b.size()) return 1.0;
  const cv::Scalar mean_a = cv::mean(a), mean_b = cv::mean(b);
  const cv::Mat centred_a = a - mean_a[0], centred_b = b - mean_b[0];
  const double norms = std::sqrt(centred_a.dot(centred_a) * centred_b.dot(centred_b));
  return norms > 0.0 ? centred_a.dot(centred_b) / norms : 0.0;
}

}  // namespace tha4::tracking
