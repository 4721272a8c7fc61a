#include "tracking/network/openseeface_face.h"

#include <algorithm>
#include <cmath>

namespace tha4::tracking {
namespace {

constexpr double kDegreesPerRadian = 57.295779513082320876798;
// OpenSeeFace's own Unity driver (OpenSeeVRMDriver.cs) counts an eye shut below 0.2 and open above 0.55.
constexpr float kEyeShutBelow = 0.2f;
constexpr float kEyeOpenAbove = 0.55f;
// jawOpen for a fully open mouth feature: the converter's jaw_open_max (0.4), so that the first quarter of
// the feature (jaw_open_min = 0.1) is a dead zone against a mouth that twitches at rest.
constexpr float kJawOpenAtFullMouth = 0.4f;
// Pupils move about ±0.4 half eye widths between looking straight and to the side.
constexpr float kGazeGain = 2.5f;
// The pupil is only located while the eye is open (facetracker.py does not draw it below 0.5 either).
constexpr float kPupilVisibleAbove = 0.5f;

float clamp01(float x) { return std::clamp(x, 0.0f, 1.0f); }

using Matrix = std::array<std::array<double, 3>, 3>;

// The rotation matrix of a unit quaternion (x, y, z, w), for column vectors.
Matrix matrix_of(double x, double y, double z, double w) {
  return {{{1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)},
           {2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)},
           {2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)}}};
}

// The pupil's offset from the middle of its eye towards the image's right, in half eye widths.
float pupil_toward_image_right(const OpenSeeFaceFace& face, int pupil, int corner_a, int corner_b) {
  const OpenSeeFacePoint2& p = face.landmarks[static_cast<std::size_t>(pupil)];
  OpenSeeFacePoint2 a = face.landmarks[static_cast<std::size_t>(corner_a)];
  OpenSeeFacePoint2 b = face.landmarks[static_cast<std::size_t>(corner_b)];
  if (a.x > b.x) std::swap(a, b);  // a on the image's left
  const double dx = double{b.x} - a.x;
  const double dy = double{b.y} - a.y;
  const double half_width_squared = (dx * dx + dy * dy) / 2.0;
  if (!(half_width_squared > 1e-6)) return 0.0f;
  const double mx = (double{a.x} + b.x) / 2.0;
  const double my = (double{a.y} + b.y) / 2.0;
  const double along = ((p.x - mx) * dx + (p.y - my) * dy) / half_width_squared;
  return static_cast<float>(std::clamp(along, -1.0, 1.0));
}

}  // namespace

HeadRotation head_rotation_from_openseeface(const std::array<float, 4>& quaternion) {
  const double norm = std::sqrt(double{quaternion[0]} * quaternion[0] + double{quaternion[1]} * quaternion[1] +
                                double{quaternion[2]} * quaternion[2] + double{quaternion[3]} * quaternion[3]);
  if (!(norm > 1e-6) || !std::isfinite(norm)) return HeadRotation{};
  // facetracker.py's quaternion is the conjugate of its matrix's, so the matrix is this one transposed:
  // the conjugate (−x, −y, −z, w) gives it directly.
  const Matrix r = matrix_of(-quaternion[0] / norm, -quaternion[1] / norm, -quaternion[2] / norm, quaternion[3] / norm);
  // R maps OpenSeeFace's face model (x to the subject's right, y up, z out of the face) into a camera frame
  // of (image row, image column, forward). H = C·P·R·M expresses the same rotation from the ARKit face frame
  // (x to the face's own left, y up, z out of the face) into a camera frame of (right, up, towards the
  // user), where a face looking into the camera is the identity: M = diag(−1, 1, 1), P swaps the first two
  // axes, C = diag(1, −1, −1). Written out, entry by entry:
  Matrix h{};
  const std::array<double, 3> m = {-1.0, 1.0, 1.0};
  const std::array<double, 3> c = {1.0, -1.0, -1.0};
  const std::array<int, 3> p = {1, 0, 2};
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 3; ++j) h[i][j] = c[i] * r[p[i]][j] * m[j];
  }
  // H = Ry(yaw)·Rx(pitch)·Rz(roll), as for VMC (head_rotation_from_unity).
  const double pitch = std::asin(std::clamp(-h[1][2], -1.0, 1.0));
  const double yaw = std::atan2(h[0][2], h[2][2]);
  const double roll = std::atan2(h[1][0], h[1][1]);
  return HeadRotation{static_cast<float>(pitch * kDegreesPerRadian), static_cast<float>(yaw * kDegreesPerRadian),
                      static_cast<float>(roll * kDegreesPerRadian)};
}

FaceFrame OpenSeeFaceFaceConverter::convert(const OpenSeeFaceFace& face) {
  using B = Blendshape;
  using F = OpenSeeFaceFeature;
  FaceFrame frame;
  BlendshapeWeights& bs = frame.blendshapes;

  if (face.success) head_ = head_rotation_from_openseeface(face.quaternion);
  frame.head = head_;

  const auto shut = [](float open) { return clamp01((kEyeOpenAbove - open) / (kEyeOpenAbove - kEyeShutBelow)); };
  bs[B::kEyeBlinkLeft] = shut(face.left_eye_open);
  bs[B::kEyeBlinkRight] = shut(face.right_eye_open);
  bs[B::kEyeWideLeft] = clamp01(face.feature(F::kEyeLeft));
  bs[B::kEyeWideRight] = clamp01(face.feature(F::kEyeRight));

  const float brow_left = face.feature(F::kEyebrowUpDownLeft);
  const float brow_right = face.feature(F::kEyebrowUpDownRight);
  bs[B::kBrowOuterUpLeft] = clamp01(brow_left);
  bs[B::kBrowOuterUpRight] = clamp01(brow_right);
  bs[B::kBrowDownLeft] = clamp01(-brow_left);
  bs[B::kBrowDownRight] = clamp01(-brow_right);

  const float corner_left = face.feature(F::kMouthCornerUpDownLeft);
  const float corner_right = face.feature(F::kMouthCornerUpDownRight);
  bs[B::kMouthSmileLeft] = clamp01(corner_left);
  bs[B::kMouthSmileRight] = clamp01(corner_right);
  bs[B::kMouthFrownLeft] = clamp01(-corner_left);
  bs[B::kMouthFrownRight] = clamp01(-corner_right);

  // An open mouth at its neutral width is "a" (jaw and lower lip together); wider leans to "i" (the lower
  // lip without the jaw), narrower to "u"/"o" (funnel and pucker), as the vowel decomposition reads them.
  const float open = clamp01(face.feature(F::kMouthOpen));
  const float wide = std::clamp(face.feature(F::kMouthWide), -1.0f, 1.0f);
  bs[B::kJawOpen] = kJawOpenAtFullMouth * open;
  const float lower_lip = clamp01(open + std::max(wide, 0.0f) * open);
  bs[B::kMouthLowerDownLeft] = lower_lip / 2.0f;
  bs[B::kMouthLowerDownRight] = lower_lip / 2.0f;
  bs[B::kMouthFunnel] = clamp01(-wide) * open;
  bs[B::kMouthPucker] = clamp01(-wide) * open;

  const bool right_visible = face.right_eye_open > kPupilVisibleAbove;
  const bool left_visible = face.left_eye_open > kPupilVisibleAbove;
  if (right_visible || left_visible) {
    // Right eye: iBUG 36-41 (corners 36, 39); left eye: 42-47 (corners 42, 45).
    const float right = pupil_toward_image_right(face, kOpenSeeFaceRightPupil, 36, 39);
    const float left = pupil_toward_image_right(face, kOpenSeeFaceLeftPupil, 42, 45);
    const float both = right_visible && left_visible ? (right + left) / 2.0f : (right_visible ? right : left);
    gaze_toward_image_right_ = std::clamp(both * kGazeGain, -1.0f, 1.0f);
  }
  // The image's right is the subject's left: the left eye looks out and the right eye in.
  const float toward_own_left = gaze_toward_image_right_;
  bs[B::kEyeLookOutLeft] = clamp01(toward_own_left);
  bs[B::kEyeLookInRight] = clamp01(toward_own_left);
  bs[B::kEyeLookInLeft] = clamp01(-toward_own_left);
  bs[B::kEyeLookOutRight] = clamp01(-toward_own_left);
  return frame;
}

}  // namespace tha4::tracking
