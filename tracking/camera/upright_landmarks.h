#pragma once
// Landmarks of a face whose position, size and tilt are known from a guide (the previous frame's landmarks,
// or those found in a detector's box). dlib's model starts from an upright mean face: at 30 degrees of head
// tilt its landmarks were off by 3-4.5% of the inter-ocular distance instead of 1-2%, which turned into 4-6
// degrees of false yaw and pitch. A tilted face is therefore turned upright first (a rotated crop), and the
// landmarks found there are turned back.

#include "tracking/camera/face_landmarks.h"
#include "tracking/camera/landmark_predictor.h"

#include <opencv2/core/mat.hpp>

namespace tha4::tracking {

FaceLandmarks predict_landmarks_near(const LandmarkPredictor& predictor, const cv::Mat& gray,
                                     const FaceLandmarks& guide);

}  // namespace tha4::tracking
