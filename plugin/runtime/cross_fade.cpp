#include "plugin/runtime/cross_fade.h"

#include <algorithm>
#include <cmath>
#include <cstddef>

namespace tha4::avatar {

void CrossFade::remember(const AvatarFrame& frame) {
  if (frame.device_frames || frame.pixels.empty()) {
    last_shown_.clear();  // device-only frames are not faded from
    return;
  }
  last_shown_.assign(frame.pixels.begin(), frame.pixels.end());
  last_width_ = frame.width;
  last_height_ = frame.height;
}

void CrossFade::begin() {
  from_ = last_shown_;
  from_width_ = last_width_;
  from_height_ = last_height_;
  start_s_ = -1.0;
}

bool CrossFade::apply(AvatarFrame& frame, double started_s, double now_s) {
  last_blended_ = false;
  if (from_.empty()) return false;
  if (start_s_ < 0.0) start_s_ = started_s;
  const double t = (now_s - start_s_) / kSeconds;
  if (t >= 1.0 || frame.device_frames || frame.pixels.size() != from_.size() || frame.width != from_width_ ||
      frame.height != from_height_) {
    from_.clear();
    return false;
  }
  // Smoothstep: the new look eases in and settles, without a visible kink at either end.
  const double eased = std::clamp(t, 0.0, 1.0);
  const double old_share = 1.0 - eased * eased * (3.0 - 2.0 * eased);
  const int weight = static_cast<int>(std::lround(old_share * 256.0));
  std::uint8_t* out = frame.pixels.data();
  const std::uint8_t* old = from_.data();
  for (std::size_t i = 0, n = from_.size(); i < n; ++i) {
    const int fresh = out[i];
    out[i] = static_cast<std::uint8_t>(fresh + (((old[i] - fresh) * weight + 128) >> 8));
  }
  last_blended_ = true;
  return true;
}

bool CrossFade::needs_frame(double now_s) const {
  return last_blended_ || (!from_.empty() && (start_s_ < 0.0 || now_s - start_s_ < kSeconds));
}

}  // namespace tha4::avatar
