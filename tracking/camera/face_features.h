#pragma once
// The raw expression measurements of one face (tracking recipe §3.2), each measured in a face-aligned
// frame in units of the inter-ocular distance, so they do not change with face size, position or roll.

#include "tracking/camera/face_landmarks.h"

#include <opencv2/core/mat.hpp>

#include <optional>

namespace tha4::tracking {

// "image_left" is the left of the unmirrored picture: iBUG eye 36-41 and brow 17-21, the subject's right.
struct FaceFeatures {
  double eye_aspect_image_left = 0.0;  // eye aspect ratio (Soukupova & Cech): lid gap / eye width
  double eye_aspect_image_right = 0.0;
  double mouth_aspect = 0.0;            // inner lip gap / inner mouth width
  double mouth_width = 0.0;             // outer mouth corners
  double mouth_corner_lift = 0.0;       // how far the corners sit above the lip centre (> 0: smiling)
  double brow_height_image_left = 0.0;  // mean height of the brow above its eye's corner line
  double brow_height_image_right = 0.0;
  // Iris position averaged over both eyes: x runs -1..1 from the image-left to the image-right corner,
  // y is downward in eye widths. Nothing when neither pupil could be located.
  std::optional<cv::Point2d> iris;
};

FaceFeatures measure_face_features(const FaceLandmarks& landmarks, const cv::Mat& gray);

}  // namespace tha4::tracking
