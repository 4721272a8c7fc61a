#include "plugin/runtime/idle_animation.h"

#include "tracking/common/breathing.h"

#include <algorithm>

namespace tha4::avatar {
namespace {

constexpr double kCloseS = 0.06;
constexpr double kHoldS = 0.04;
constexpr double kOpenS = 0.12;

const int kBreathingIndex = *find_pose_parameter("breathing");
const int kWinkLeftIndex = *find_pose_parameter("eye_wink_left");
const int kWinkRightIndex = *find_pose_parameter("eye_wink_right");

}  // namespace

double IdleAnimation::next_interval_s() {
  // xorshift32: deterministic for tests, no global state.
  random_state_ ^= random_state_ << 13;
  random_state_ ^= random_state_ >> 17;
  random_state_ ^= random_state_ << 5;
  return 2.0 + 4.0 * (random_state_ / 4294967296.0);
}

float IdleAnimation::breathing(double now_s, double breaths_per_minute) {
  if (breathing_start_s_ < 0.0 || now_s < breathing_start_s_) breathing_start_s_ = now_s;
  return tracking::breathing_value(now_s - breathing_start_s_, breaths_per_minute);
}

float IdleAnimation::blink(double now_s) {
  if (next_blink_s_ < 0.0) next_blink_s_ = now_s + next_interval_s();
  double since = now_s - next_blink_s_;
  if (since >= kCloseS + kHoldS + kOpenS) {
    next_blink_s_ += kCloseS + kHoldS + kOpenS + next_interval_s();
    if (next_blink_s_ < now_s) next_blink_s_ = now_s + next_interval_s();  // after a long pause
    since = now_s - next_blink_s_;
  }
  if (since < 0.0) return 0.0F;
  if (since < kCloseS) return static_cast<float>(since / kCloseS);
  if (since < kCloseS + kHoldS) return 1.0F;
  return static_cast<float>(1.0 - (since - kCloseS - kHoldS) / kOpenS);
}

void IdleAnimation::apply(Pose& pose, double now_s, double breaths_per_minute, bool auto_blink) {
  pose[kBreathingIndex] = breathing(now_s, breaths_per_minute);
  if (auto_blink) {
    const float closure = blink(now_s);
    pose[kWinkLeftIndex] = std::max(pose[kWinkLeftIndex], closure);
    pose[kWinkRightIndex] = std::max(pose[kWinkRightIndex], closure);
  }
}

}  // namespace tha4::avatar
