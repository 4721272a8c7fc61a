#pragma once
// A short cross-fade when a source switches what it shows (the still picture to a model, the full system to a
// distillation's snapshot, one snapshot to the next, the finished model): the new model's frames are blended
// over the last frame shown for a moment, so the stream sees the character settle into the new look instead
// of jumping. Render worker only.
//
// Frames are premultiplied sRGB bytes (AvatarFrame); blending them byte-wise is not exact in linear light,
// which a half-second fade does not show. Frames that live only in device memory (the fused CUDA engine's
// zero-copy path) are not remembered or blended: the worker asks that engine for host bytes of its last frame
// before a switch and for host frames during the fade (AvatarPoser::last_frame_to_host, set_host_frames).

#include "plugin/runtime/frame_mailbox.h"

#include <cstdint>
#include <vector>

namespace tha4::avatar {

class CrossFade {
 public:
  static constexpr double kSeconds = 0.5;

  // A frame about to be published: the one to fade from if the source switches next. A device-only frame
  // leaves nothing remembered (see remembers()).
  void remember(const AvatarFrame& frame);
  bool remembers() const { return !last_shown_.empty(); }
  // Whether a fade is under way (its frames must be host bytes).
  bool fading() const { return !from_.empty(); }
  // The source switched to another model: its next frames fade in over the remembered one, from when the first
  // of them began rendering (so a slow load does not use up the fade).
  void begin();
  // Blends the remembered frame over `frame` (the new model's, begun at `started_s`) as of `now_s`; true when it
  // changed `frame`.
  bool apply(AvatarFrame& frame, double started_s, double now_s);
  // Whether a frame is due even though the pose did not move: the fade is under way, or its last frame was
  // blended and the unblended one has not been shown yet.
  bool needs_frame(double now_s) const;

 private:
  std::vector<std::uint8_t> last_shown_;
  int last_width_ = 0;
  int last_height_ = 0;
  std::vector<std::uint8_t> from_;  // the frame faded from (empty: no fade)
  int from_width_ = 0;
  int from_height_ = 0;
  double start_s_ = -1.0;  // when the first faded frame began; -1 until then
  bool last_blended_ = false;
};

}  // namespace tha4::avatar
