#include "tracking/camera/face_landmarks.h"

#include <algorithm>
#include <cmath>

namespace tha4::tracking {

double interocular_distance(const FaceLandmarks& landmarks) {
  return cv::norm(landmarks[landmark::kEyeImageRightOuter] - landmarks[landmark::kEyeImageLeftOuter]);
}

cv::Rect face_box_from_landmarks(const FaceLandmarks& landmarks) {
  // Fitted on the 48 dlib detections in the test photos against the landmarks predicted in them: with
  // g = sqrt(width x height) of the 68 points' bounding box, the detector's box side is 1.079 g (sd 0.077 g),
  // and its centre sits at the mean of points 17-67 (brows, nose, eyes, mouth) shifted down by 0.017 g
  // (sd 0.04 g); the jaw points slide with yaw, so they stay out of the centre. Human faces only: with
  // Megamind's cartoon faces in the fit the side came out 5% larger, and the predictor, given too large a
  // box, returns too large a face, which then keeps the box too large.
  constexpr float kSidePerScale = 1.079F;
  constexpr float kCentreShiftX = 0.0F;
  constexpr float kCentreShiftY = 0.017F;
  constexpr int kFirstInnerPoint = 17;

  float min_x = landmarks[0].x, max_x = landmarks[0].x, min_y = landmarks[0].y, max_y = landmarks[0].y;
  for (const cv::Point2f& p : landmarks) {
    min_x = std::min(min_x, p.x);
    max_x = std::max(max_x, p.x);
    min_y = std::min(min_y, p.y);
    max_y = std::max(max_y, p.y);
  }
  cv::Point2f centre(0.0F, 0.0F);
  for (int i = kFirstInnerPoint; i < kLandmarkCount; ++i) centre += landmarks[i];
  centre *= 1.0F / static_cast<float>(kLandmarkCount - kFirstInnerPoint);

  const float scale = std::sqrt((max_x - min_x) * (max_y - min_y));
  const float side = kSidePerScale * scale;
  centre += cv::Point2f(kCentreShiftX, kCentreShiftY) * scale;
  return {static_cast<int>(std::lround(centre.x - side / 2)), static_cast<int>(std::lround(centre.y - side / 2)),
          static_cast<int>(std::lround(side)), static_cast<int>(std::lround(side))};
}

}  // namespace tha4::tracking
