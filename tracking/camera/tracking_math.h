#pragma once
// Small numeric helpers shared by the camera tracker's stages.

#include <algorithm>

namespace tha4::tracking {

constexpr double kPi = 3.14159265358979323846;

constexpr double degrees(double radians) { return radians * (180.0 / kPi); }
constexpr double radians(double degrees) { return degrees * (kPi / 180.0); }

// clamp(x, 0, 1)
constexpr double saturate(double x) { return std::clamp(x, 0.0, 1.0); }

// The Hermite step: 0 below edge0, 1 above edge1, smooth in between.
constexpr double smoothstep(double edge0, double edge1, double x) {
  const double t = saturate((x - edge0) / (edge1 - edge0));
  return t * t * (3.0 - 2.0 * t);
}

}  // namespace tha4::tracking
