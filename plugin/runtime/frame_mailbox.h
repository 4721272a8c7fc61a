#pragma once
// The hand-over of finished frames from the render worker to OBS's graphics thread. The worker publishes
// by swapping buffers under a mutex held for a few pointer moves; the graphics thread takes with try_lock,
// so it never waits: when the worker happens to hold the lock, OBS keeps showing the previous frame.

#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace tha4::gpu {
class DeviceFrameRing;  // inference/cuda/device_frame_ring.h (THA4_CUDA builds)
}

namespace tha4::avatar {

struct AvatarFrame {
  int width = 0;
  int height = 0;
  // RGBA, rows top to bottom, premultiplied alpha, sRGB-encoded colour: the texture OBS samples as sRGB
  // and blends with (ONE, INVSRCALPHA), like its own image source.
  // Empty when the frame is only in device memory (see device_frames).
  std::vector<std::uint8_t> pixels;
  // Set by the GPU engine: where the same frame (or a newer one) waits in device memory, for a zero-copy
  // upload into the texture. `pixels` is filled as well while device_frames->host_copies_wanted().
  std::shared_ptr<gpu::DeviceFrameRing> device_frames;
  std::uint64_t sequence = 0;
  double pose_time_s = 0.0;   // steady clock: when the newest input behind this pose arrived
  double render_end_s = 0.0;  // steady clock: when the frame was finished
};

class FrameMailbox {
 public:
  // Worker: hands `frame` over; `frame` gets back an old buffer to reuse (its contents are unspecified).
  void publish(AvatarFrame& frame) {
    std::lock_guard<std::mutex> lock(mutex_);
    std::swap(latest_, frame);
    fresh_ = true;
  }

  // Graphics thread: if a frame newer than the last one taken is ready and the lock is free, swaps it into
  // `frame` and returns true. Never blocks.
  bool try_take(AvatarFrame& frame) {
    std::unique_lock<std::mutex> lock(mutex_, std::try_to_lock);
    if (!lock.owns_lock() || !fresh_) return false;
    std::swap(latest_, frame);
    fresh_ = false;
    return true;
  }

 private:
  std::mutex mutex_;
  AvatarFrame latest_;
  bool fresh_ = false;
};

}  // namespace tha4::avatar
