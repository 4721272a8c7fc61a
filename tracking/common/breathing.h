#pragma once
// THA4's breathing parameter (spec §7.2): a raised-cosine cycle, 0 at the start of each breath. Shared by
// every tracker and by the OBS source's idle animation, so breathing looks the same whatever drives it.

#include <algorithm>
#include <cmath>

namespace tha4::tracking {

// `seconds` since the cycle started; 0 breaths per minute (or less) turns breathing off.
inline float breathing_value(double seconds, double breaths_per_minute) {
  if (!(breaths_per_minute > 0.0)) return 0.0F;
  constexpr double kTwoPi = 6.283185307179586;
  const double period_s = 60.0 / breaths_per_minute;
  const double fraction = std::fmod(std::max(0.0, seconds), period_s) / period_s;
  return static_cast<float>((1.0 - std::cos(kTwoPi * fraction)) / 2.0);
}

}  // namespace tha4::tracking
