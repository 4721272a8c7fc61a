#pragma once
// A cheap test of whether the face box still shows what it showed one frame ago. While the box follows a
// face, consecutive thumbnails correlate at 0.7-1.0 (Megamind.avi: talking, turning, blinking); at a cut or
// when the face leaves, the landmarks stay put on the background and the correlation drops to about 0.

#include <opencv2/core/mat.hpp>

namespace tha4::tracking {

// A small grey thumbnail of `box` (clipped to the image); empty if less than half the box is in the image.
cv::Mat face_thumbnail(const cv::Mat& gray, const cv::Rect& box);

// Normalised cross-correlation of two thumbnails of the same box, -1..1; 1 when either is empty (no
// evidence of a change), 0 when either is flat.
double thumbnail_correlation(const cv::Mat& a, const cv::Mat& b);

}  // namespace tha4::tracking
