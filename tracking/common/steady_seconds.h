#pragma once
// The clock of every live timestamp in tracking: seconds on a monotonic clock.

#include <chrono>

namespace tha4::tracking {

inline double steady_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace tha4::tracking
