#pragma once
// The UDP packets of OpenSeeFace's facetracker.py (the tracker inside VSeeFace; default port 11573): one
// datagram per camera frame holding one fixed 1785-byte record per tracked face, little-endian, in this
// order (the reader in OpenSeeFace's Unity/OpenSee.cs is the format's documentation):
//   f64 time · i32 face id · f32 camera width, height · f32 right eye open, left eye open (1 open, 0 shut)
//   · u8 success (the 3D fit worked) · f32 PnP error · f32 quaternion x, y, z, w · f32 Euler x, y, z
//   (degrees) · f32 translation x, y, z · 68 × f32 landmark confidence · 68 × (f32, f32) landmarks in
//   pixels, image column first · 70 × (f32 x, y, z) 3D points · 14 × f32 features.
// "Right" is the subject's right (iBUG eye 36-41, on the left of an unmirrored picture). When the 3D fit
// failed, facetracker.py sends a zero quaternion, Euler angles and 3D points.
// Parsed strictly and without allocating: a datagram that is not a whole number of records, or holds a
// non-finite number anywhere, is rejected whole.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace tha4::tracking {

constexpr std::uint16_t kOpenSeeFacePort = 11573;  // facetracker.py's default --port
constexpr std::size_t kOpenSeeFaceRecordBytes =
    8 + 4 + 2 * 4 + 2 * 4 + 1 + 4 + 4 * 4 + 3 * 4 + 3 * 4 + 68 * 4 + 68 * 2 * 4 + 70 * 3 * 4 + 14 * 4;
static_assert(kOpenSeeFaceRecordBytes == 1785);
// As many records as one UDP datagram can hold (facetracker.py sends at most 39 faces, which would not fit).
constexpr std::size_t kMaxOpenSeeFacePacketBytes = 65507 / kOpenSeeFaceRecordBytes * kOpenSeeFaceRecordBytes;
constexpr int kOpenSeeFaceLandmarks = 68;  // 66 iBUG-like points, then the right and left pupils
constexpr int kOpenSeeFacePoints3d = 70;   // the 68, then the right and left eyeball centres
constexpr int kOpenSeeFaceRightPupil = 66;
constexpr int kOpenSeeFaceLeftPupil = 67;

// The features facetracker.py derives from the landmarks, each normalised against the user's own running
// neutral: 0 is the user's neutral face, ±1 the extremes seen so far.
enum class OpenSeeFaceFeature : int {
  kEyeLeft = 0,
  kEyeRight,
  kEyebrowSteepnessLeft,
  kEyebrowUpDownLeft,
  kEyebrowQuirkLeft,
  kEyebrowSteepnessRight,
  kEyebrowUpDownRight,
  kEyebrowQuirkRight,
  kMouthCornerUpDownLeft,
  kMouthCornerInOutLeft,
  kMouthCornerUpDownRight,
  kMouthCornerInOutRight,
  kMouthOpen,
  kMouthWide,
};
constexpr int kOpenSeeFaceFeatureCount = 14;

struct OpenSeeFacePoint2 {
  float x = 0.0f;  // image column, pixels
  float y = 0.0f;  // image row, pixels
};
struct OpenSeeFacePoint3 {
  float x = 0.0f;
  float y = 0.0f;
  float z = 0.0f;
};

struct OpenSeeFaceFace {
  double time = 0.0;
  std::int32_t id = 0;
  float camera_width = 0.0f;
  float camera_height = 0.0f;
  float right_eye_open = 0.0f;  // 1 open .. 0 shut
  float left_eye_open = 0.0f;
  bool success = false;  // the 3D fit worked: the rotation and 3D points are usable
  float pnp_error = 0.0f;
  // The rotation of OpenSeeFace's face model into its camera frame, as facetracker.py writes it: the
  // conjugate of the rotation matrix's quaternion, in a camera frame whose first axis is the image row.
  std::array<float, 4> quaternion{};  // x, y, z, w
  std::array<float, 3> euler{};  // degrees, cv2.RQDecomp3x3 of the same matrix (about (±180, 0, 90) facing the camera)
  std::array<float, 3> translation{};
  std::array<float, kOpenSeeFaceLandmarks> confidence{};
  std::array<OpenSeeFacePoint2, kOpenSeeFaceLandmarks> landmarks{};
  std::array<OpenSeeFacePoint3, kOpenSeeFacePoints3d> points_3d{};
  std::array<float, kOpenSeeFaceFeatureCount> features{};

  float feature(OpenSeeFaceFeature which) const { return features[static_cast<std::size_t>(which)]; }
};

enum class OpenSeeFacePacketError {
  kNone,
  kEmpty,
  kBadLength,    // not a whole number of 1785-byte records
  kTooLarge,     // more records than one UDP datagram holds
  kBadNumber,    // a NaN or infinite number, or a success flag other than 0 or 1
  kBadCamera,    // a camera size that is not positive
  kBadRotation,  // a successful 3D fit with a quaternion that is not a rotation
};

// What is wrong, in plain words.
std::string_view describe(OpenSeeFacePacketError error);

struct OpenSeeFaceParseResult {
  OpenSeeFacePacketError error = OpenSeeFacePacketError::kNone;
  int face_count = 0;  // records in the datagram
  bool ok() const { return error == OpenSeeFacePacketError::kNone; }
};

// Checks every record and reads the first into `first_face` (facetracker.py sorts faces by id, so this is
// the lowest id: the face tracked longest). `first_face` is written only when the packet is valid.
OpenSeeFaceParseResult parse_openseeface_packet(std::string_view bytes, OpenSeeFaceFace& first_face);

}  // namespace tha4::tracking
