#pragma once
// The 68 iBUG landmarks of one face in image pixels, the index groups the tracker reads, and the face box
// the landmarks imply.

#include <opencv2/core/types.hpp>

#include <array>

namespace tha4::tracking {

constexpr int kLandmarkCount = 68;
using FaceLandmarks = std::array<cv::Point2f, kLandmarkCount>;

// iBUG-68 indices. "Image-left" is the left side of the unmirrored picture: the subject's right eye and brow.
namespace landmark {
constexpr int kBrowImageLeftFirst = 17;   // 17-21, outer to inner
constexpr int kBrowImageRightFirst = 22;  // 22-26, inner to outer
constexpr int kBrowPoints = 5;
constexpr int kEyeImageLeftFirst = 36;   // 36 outer corner, 37-38 upper lid, 39 inner corner, 40-41 lower lid
constexpr int kEyeImageRightFirst = 42;  // 42 inner corner, 43-44 upper lid, 45 outer corner, 46-47 lower lid
constexpr int kEyePoints = 6;
constexpr int kEyeImageLeftOuter = 36;
constexpr int kEyeImageRightOuter = 45;
constexpr int kNoseTip = 30;
constexpr int kMouthCornerImageLeft = 48;
constexpr int kMouthCornerImageRight = 54;
constexpr int kInnerMouthCornerImageLeft = 60;
constexpr int kInnerMouthCornerImageRight = 64;
constexpr std::array<int, 3> kInnerUpperLip{61, 62, 63};
constexpr std::array<int, 3> kInnerLowerLip{67, 66, 65};  // below 61, 62, 63
constexpr int kInnerUpperLipCentre = 62;
constexpr int kInnerLowerLipCentre = 66;
}  // namespace landmark

// |p36 - p45|: the distance between the outer eye corners, the unit every ratio is measured in.
double interocular_distance(const FaceLandmarks& landmarks);

// The box dlib's HOG detector would draw around this face, so the landmark predictor (trained on detector
// boxes) can run on the next frame without a detection.
cv::Rect face_box_from_landmarks(const FaceLandmarks& landmarks);

}  // namespace tha4::tracking
