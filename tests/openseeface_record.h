#pragma once
// OpenSeeFace face records as facetracker.py packs them, written byte by byte (tests/wire_bytes.h), and the
// head rotations it would report, built from its documented conventions rather than from the parser's.

#include "tracking/network/openseeface_packet.h"

#include "tests/wire_bytes.h"

#include <array>
#include <cmath>
#include <cstdint>
#include <string>

namespace tha4::test {

using Matrix = std::array<std::array<double, 3>, 3>;

inline Matrix multiply(const Matrix& a, const Matrix& b) {
  Matrix c{};
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 3; ++k) c[i][j] += a[i][k] * b[k][j];
  return c;
}

// Rotations about the face model's axes (x to the subject's right, y up, z out of the face).
inline Matrix about_x(double degrees) {
  const double a = degrees * M_PI / 180.0;
  return {{{1, 0, 0}, {0, std::cos(a), -std::sin(a)}, {0, std::sin(a), std::cos(a)}}};
}
inline Matrix about_y(double degrees) {
  const double a = degrees * M_PI / 180.0;
  return {{{std::cos(a), 0, std::sin(a)}, {0, 1, 0}, {-std::sin(a), 0, std::cos(a)}}};
}
inline Matrix about_z(double degrees) {
  const double a = degrees * M_PI / 180.0;
  return {{{std::cos(a), -std::sin(a), 0}, {std::sin(a), std::cos(a), 0}, {0, 0, 1}}};
}

// facetracker.py solves PnP with image points given as (row, column), so its camera frame is (image row,
// image column, forward). A face looking into the camera maps the model's x (the subject's right, seen on
// the picture's left) to −column, y (up) to −row and z (towards the camera) to −forward.
inline const Matrix kFacingCamera = {{{0, -1, 0}, {-1, 0, 0}, {0, 0, -1}}};

// The quaternion facetracker.py sends for a rotation matrix: its matrix_to_quaternion, which is the
// conjugate of the matrix's (column-vector) quaternion. Computed here as the standard quaternion of the
// transposed matrix, by the largest diagonal term.
inline std::array<float, 4> openseeface_quaternion(const Matrix& r) {
  Matrix m{};
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) m[i][j] = r[j][i];
  const double trace = m[0][0] + m[1][1] + m[2][2];
  double x, y, z, w;
  if (trace > 0) {
    const double s = 2 * std::sqrt(1 + trace);
    w = s / 4, x = (m[2][1] - m[1][2]) / s, y = (m[0][2] - m[2][0]) / s, z = (m[1][0] - m[0][1]) / s;
  } else if (m[0][0] > m[1][1] && m[0][0] > m[2][2]) {
    const double s = 2 * std::sqrt(1 + m[0][0] - m[1][1] - m[2][2]);
    w = (m[2][1] - m[1][2]) / s, x = s / 4, y = (m[0][1] + m[1][0]) / s, z = (m[0][2] + m[2][0]) / s;
  } else if (m[1][1] > m[2][2]) {
    const double s = 2 * std::sqrt(1 + m[1][1] - m[0][0] - m[2][2]);
    w = (m[0][2] - m[2][0]) / s, x = (m[0][1] + m[1][0]) / s, y = s / 4, z = (m[1][2] + m[2][1]) / s;
  } else {
    const double s = 2 * std::sqrt(1 + m[2][2] - m[0][0] - m[1][1]);
    w = (m[1][0] - m[0][1]) / s, x = (m[0][2] + m[2][0]) / s, y = (m[1][2] + m[2][1]) / s, z = s / 4;
  }
  return {static_cast<float>(x), static_cast<float>(y), static_cast<float>(z), static_cast<float>(w)};
}

// Where a model direction points in the camera frame (row, column, forward).
inline std::array<double, 3> apply(const Matrix& r, std::array<double, 3> v) {
  return {r[0][0] * v[0] + r[0][1] * v[1] + r[0][2] * v[2], r[1][0] * v[0] + r[1][1] * v[1] + r[1][2] * v[2],
          r[2][0] * v[0] + r[2][1] * v[1] + r[2][2] * v[2]};
}

// One face record's fields, in the order facetracker.py packs them.
struct Record {
  double time = 1000.25;
  std::int32_t id = 0;
  float width = 640, height = 480;
  float right_eye_open = 1, left_eye_open = 1;
  std::uint8_t success = 1;
  float pnp_error = 2.5f;
  std::array<float, 4> quaternion = openseeface_quaternion(kFacingCamera);
  std::array<float, 3> euler = {180, 0, 90};
  std::array<float, 3> translation = {1, 2, 60};
  std::array<float, 68> confidence{};
  std::array<std::array<float, 2>, 68> landmarks{};  // (column, row) in pixels
  std::array<std::array<float, 3>, 70> points_3d{};
  std::array<float, 14> features{};

  Record() {
    confidence.fill(0.9f);
    for (std::size_t i = 0; i < landmarks.size(); ++i) landmarks[i] = {200.0f + i, 300.0f - i};
    // Eye corners 36/39 and 42/45 on one row, the pupils (66, 67) in the middle of their eyes.
    landmarks[36] = {250, 200}, landmarks[39] = {290, 200}, landmarks[66] = {270, 200};
    landmarks[42] = {350, 200}, landmarks[45] = {390, 200}, landmarks[67] = {370, 200};
  }
  // facetracker.py's 14 features by name.
  void feature(tracking::OpenSeeFaceFeature which, float value) { features[static_cast<std::size_t>(which)] = value; }

  std::string bytes() const {
    test::ByteWriter out;
    out.f64_le(time).i32_le(id).f32_le(width).f32_le(height).f32_le(right_eye_open).f32_le(left_eye_open);
    out.u8(success).f32_le(pnp_error);
    for (float q : quaternion) out.f32_le(q);
    for (float e : euler) out.f32_le(e);
    for (float t : translation) out.f32_le(t);
    for (float c : confidence) out.f32_le(c);
    for (const auto& p : landmarks) out.f32_le(p[0]).f32_le(p[1]);
    for (const auto& p : points_3d) out.f32_le(p[0]).f32_le(p[1]).f32_le(p[2]);
    for (float f : features) out.f32_le(f);
    return out.bytes();
  }
};

}  // namespace tha4::test
