#pragma once
// dlib's HOG face detector (frontal, with its slightly turned and tilted variants), run on a scaled copy or
// on a scaled crop, with boxes returned in the caller's pixel coordinates.

#include <opencv2/core/mat.hpp>

#include <memory>
#include <optional>
#include <vector>

namespace tha4::tracking {

class FaceDetector {
 public:
  FaceDetector();
  ~FaceDetector();
  FaceDetector(FaceDetector&&) noexcept;
  FaceDetector& operator=(FaceDetector&&) noexcept;

  // Every face in an 8-bit grey image, searched on a copy scaled by `scale` (0.5 = half size, about 4x
  // cheaper; 2 finds faces down to about 40 px), largest first. HOG sees faces of 80 px and more at the
  // scale it runs on.
  std::vector<cv::Rect> detect(const cv::Mat& gray, double scale = 1.0);

  // The face nearest `around` (the last known face box), searched in a crop `crop_factor` times that box,
  // scaled so the face is about `face_size_px`: a re-detection costs a fraction of a full-frame one.
  std::optional<cv::Rect> detect_near(const cv::Mat& gray, const cv::Rect& around, double crop_factor,
                                      double face_size_px);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tha4::tracking
