#pragma once
// What keeps the character alive while nothing tracks a face: breathing and natural blinks. A still
// avatar reads as a frozen stream.

#include "inference/pose/pose.h"

#include <cstdint>

namespace tha4::avatar {

class IdleAnimation {
 public:
  explicit IdleAnimation(std::uint32_t seed = 0x7a4c1d3u) : random_state_(seed ? seed : 1u) {}

  // Breathing value at `now_s` (spec §7.2 cycle; 0 breaths per minute: 0).
  float breathing(double now_s, double breaths_per_minute);
  // Eye closure 0..1 of the automatic blink at `now_s`: blinks 2-6 s apart (people blink ~15-20 times a
  // minute), each closing in 60 ms, held 40 ms, opening in 120 ms. Times must not go backwards.
  float blink(double now_s);

  // Applies both to `pose` (the blink never opens an eye the pose already closes).
  void apply(Pose& pose, double now_s, double breaths_per_minute, bool auto_blink);

 private:
  double next_interval_s();

  std::uint32_t random_state_;
  double breathing_start_s_ = -1.0;
  double next_blink_s_ = -1.0;
};

}  // namespace tha4::avatar
