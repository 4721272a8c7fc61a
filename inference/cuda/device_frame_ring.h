#pragma once
// Finished frames in device memory, handed from the render worker to OBS's graphics thread without a trip
// through host memory: a triple buffer of RGBA8 frames. The worker always owns one slot to write, the
// graphics thread one to read, and the third is the newest finished frame; they change hands with one
// atomic exchange, so neither thread ever waits for the other. The GPU is ordered with events instead: the
// reader's copy waits (on its stream, not on the CPU) for the writer's copy into the slot, and the writer
// waits for the reader's last copy out of a slot before it writes there again. Compiled with THA4_CUDA.

#include "inference/cuda/triple_buffer_index.h"

#include <cuda_runtime.h>

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace tha4::gpu {

// One finished frame as a reader sees it: tightly packed RGBA8 rows in device memory.
struct DeviceFrameView {
  const unsigned char* rgba8 = nullptr;
  int width = 0;
  int height = 0;
  std::size_t pitch = 0;  // bytes per row
  std::uint64_t sequence = 0;
};

// Enqueues the copy of `view` into the top-left of `array` (a texture's RGBA8 storage: a CUDA–graphics
// mapped texture, or a cudaArray standing in for one) on `stream`. Throws tha4::Error on CUDA errors.
void copy_to_array(const DeviceFrameView& view, cudaArray_t array, cudaStream_t stream);

class DeviceFrameRing {
 public:
  // Allocates three width × height RGBA8 slots on `device`. Throws tha4::Error on CUDA errors.
  DeviceFrameRing(int device, int width, int height);
  // Waits for copies still in flight, then frees the slots.
  ~DeviceFrameRing();
  DeviceFrameRing(const DeviceFrameRing&) = delete;
  DeviceFrameRing& operator=(const DeviceFrameRing&) = delete;

  int device() const { return device_; }
  int width() const { return width_; }
  int height() const { return height_; }

  // Writer (the render worker; `rgba8` is a width × height frame in device memory on device()): copies the
  // frame into the writer's slot and publishes it as the newest. Returns when the copy is done, so the
  // caller may overwrite `rgba8` at once.
  void publish(const unsigned char* rgba8, std::uint64_t sequence);

  // Reader (one thread at a time, with device() current): if a frame newer than the last one read was
  // published, makes `stream` wait for it, calls `read(view)` to enqueue the reads on `stream`, records
  // their end for the writer and returns true. Never waits on the CPU for the GPU.
  template <class Read>
  bool read_newest(cudaStream_t stream, Read&& read) {
    const Slot* slot = acquire_newest(stream);
    if (!slot) return false;
    read(view_of(*slot));
    release_read(stream);
    return true;
  }

  // Whether a frame newer than the last one read is waiting. A hint for the reader, which can skip work
  // (mapping its texture) when nothing changed; read_newest decides.
  bool has_new_frame() const { return slots_index_.has_new(); }

  // Whether the reader also wants each frame in host memory: true until a reader says it can take frames
  // straight from device memory (CUDA–graphics interop worked), and again if interop fails later.
  void set_host_copies_wanted(bool wanted) { host_copies_wanted_.store(wanted, std::memory_order_relaxed); }
  bool host_copies_wanted() const { return host_copies_wanted_.load(std::memory_order_relaxed); }

 private:
  struct Slot {
    unsigned char* pixels = nullptr;
    cudaEvent_t written = nullptr;    // recorded after the writer's copy into the slot
    cudaEvent_t read_done = nullptr;  // recorded after the reader's last copy out of the slot
    std::uint64_t sequence = 0;
  };
  const Slot* acquire_newest(cudaStream_t stream);
  void release_read(cudaStream_t stream);
  DeviceFrameView view_of(const Slot& slot) const;
  void free_all() noexcept;

  int device_;
  int width_;
  int height_;
  Slot slots_[3];
  cudaStream_t copy_stream_ = nullptr;  // the writer's copies
  TripleBufferIndex slots_index_;
  std::atomic<bool> host_copies_wanted_{true};
};

}  // namespace tha4::gpu
