#include "tracking/camera/face_detector.h"

#include <dlib/image_processing/frontal_face_detector.h>
#include <dlib/opencv/cv_image.h>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace tha4::tracking {

struct FaceDetector::Impl {
  dlib::frontal_face_detector detector = dlib::get_frontal_face_detector();

  // Boxes found in `image`, mapped back through x_original = x_image / scale + offset.
  std::vector<cv::Rect> run(const cv::Mat& image, double scale, cv::Point2d offset) {
    std::vector<cv::Rect> faces;
    const dlib::cv_image<unsigned char> view(image);
    for (const dlib::rectangle& r : detector(view)) {
      const double left = r.left() / scale + offset.x;
      const double top = r.top() / scale + offset.y;
      const double side = static_cast<double>(r.width()) / scale;
      faces.emplace_back(static_cast<int>(std::lround(left)), static_cast<int>(std::lround(top)),
                         static_cast<int>(std::lround(side)), static_cast<int>(std::lround(side)));
    }
    return faces;
  }
};

FaceDetector::FaceDetector() : impl_(std::make_unique<Impl>()) {}
FaceDetector::~FaceDetector() = default;
FaceDetector::FaceDetector(FaceDetector&&) noexcept = default;
FaceDetector& FaceDetector::operator=(FaceDetector&&) noexcept = default;

namespace {

void require_gray(const cv::Mat& gray) {
  if (gray.type() != CV_8UC1) throw std::invalid_argument("FaceDetector needs an 8-bit grey image");
}

cv::Mat scaled(const cv::Mat& image, double scale) {
  if (scale == 1.0) return image;
  cv::Mat result;
  cv::resize(image, result, cv::Size(), scale, scale, scale < 1.0 ? cv::INTER_AREA : cv::INTER_LINEAR);
  return result;
}

}  // namespace

std::vector<cv::Rect> FaceDetector::detect(const cv::Mat& gray, double scale) {
  require_gray(gray);
  std::vector<cv::Rect> faces = impl_->run(scaled(gray, scale), scale, {0.0, 0.0});
  std::sort(faces.begin(), faces.end(), [](const cv::Rect& a, const cv::Rect& b) { return a.area() > b.area(); });
  return faces;
}

std::optional<cv::Rect> FaceDetector::detect_near(const cv::Mat& gray, const cv::Rect& around, double crop_factor,
                                                  double face_size_px) {
  require_gray(gray);
  const cv::Point2d centre(around.x + around.width / 2.0, around.y + around.height / 2.0);
  const double crop_side = crop_factor * std::max(around.width, around.height);
  const cv::Rect crop = cv::Rect(static_cast<int>(std::lround(centre.x - crop_side / 2)),
                                 static_cast<int>(std::lround(centre.y - crop_side / 2)),
                                 static_cast<int>(std::lround(crop_side)), static_cast<int>(std::lround(crop_side))) &
                        cv::Rect(0, 0, gray.cols, gray.rows);
  if (crop.empty()) return std::nullopt;
  // Upscaling is capped: beyond 2x the crop is mostly interpolation and HOG finds little more.
  const double scale = std::min(2.0, face_size_px / std::max(1, around.width));
  const std::vector<cv::Rect> faces = impl_->run(scaled(gray(crop), scale), scale, {double(crop.x), double(crop.y)});
  if (faces.empty()) return std::nullopt;
  const auto distance = [&](const cv::Rect& r) {
    return std::hypot(r.x + r.width / 2.0 - centre.x, r.y + r.height / 2.0 - centre.y);
  };
  return *std::min_element(faces.begin(), faces.end(),
                           [&](const cv::Rect& a, const cv::Rect& b) { return distance(a) < distance(b); });
}

}  // namespace tha4::tracking
