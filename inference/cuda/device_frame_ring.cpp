#include "inference/cuda/device_frame_ring.h"

#include "inference/cuda/cuda_handles.h"

namespace tha4::gpu {

DeviceFrameRing::DeviceFrameRing(int device, int width, int height) : device_(device), width_(width), height_(height) {
  check_cuda(cudaSetDevice(device), "cudaSetDevice");
  try {
    const std::size_t bytes = static_cast<std::size_t>(width) * height * 4;
    for (Slot& slot : slots_) {
      check_cuda(cudaMalloc(reinterpret_cast<void**>(&slot.pixels), bytes), "cudaMalloc (frame slot)");
      // Events only order work; timing them would cost a little on every record.
      check_cuda(cudaEventCreateWithFlags(&slot.written, cudaEventDisableTiming), "cudaEventCreate");
      check_cuda(cudaEventCreateWithFlags(&slot.read_done, cudaEventDisableTiming), "cudaEventCreate");
    }
    check_cuda(cudaStreamCreateWithFlags(&copy_stream_, cudaStreamNonBlocking), "cudaStreamCreate (frame ring)");
  } catch (...) {
    free_all();  // what was made so far; every handle starts null
    throw;
  }
}

DeviceFrameRing::~DeviceFrameRing() { free_all(); }

void DeviceFrameRing::free_all() noexcept {
  cudaSetDevice(device_);
  for (Slot& slot : slots_) {
    // A reader's copy out of this slot may still run on the GPU (its stream is not ours to synchronise).
    if (slot.read_done) cudaEventSynchronize(slot.read_done);
  }
  if (copy_stream_) {
    cudaStreamSynchronize(copy_stream_);
    cudaStreamDestroy(copy_stream_);
    copy_stream_ = nullptr;
  }
  for (Slot& slot : slots_) {
    if (slot.read_done) cudaEventDestroy(slot.read_done);
    if (slot.written) cudaEventDestroy(slot.written);
    if (slot.pixels) cudaFree(slot.pixels);
    slot = Slot{};
  }
}

void DeviceFrameRing::publish(const unsigned char* rgba8, std::uint64_t sequence) {
  check_cuda(cudaSetDevice(device_), "cudaSetDevice");
  Slot& slot = slots_[slots_index_.write_slot()];
  // The reader may still be copying this slot's previous frame into its texture.
  check_cuda(cudaStreamWaitEvent(copy_stream_, slot.read_done, 0), "cudaStreamWaitEvent (frame ring)");
  const std::size_t bytes = static_cast<std::size_t>(width_) * height_ * 4;
  check_cuda(cudaMemcpyAsync(slot.pixels, rgba8, bytes, cudaMemcpyDeviceToDevice, copy_stream_),
             "cudaMemcpyAsync (frame ring)");
  check_cuda(cudaEventRecord(slot.written, copy_stream_), "cudaEventRecord (frame ring)");
  // A megabyte on the GPU: microseconds. Waiting here lets the engine reuse its output buffer at once.
  check_cuda(cudaStreamSynchronize(copy_stream_), "copying the frame into the ring");
  slot.sequence = sequence;
  slots_index_.publish();
}

const DeviceFrameRing::Slot* DeviceFrameRing::acquire_newest(cudaStream_t stream) {
  const int index = slots_index_.take_newest();
  if (index < 0) return nullptr;
  const Slot& slot = slots_[index];
  check_cuda(cudaStreamWaitEvent(stream, slot.written, 0), "cudaStreamWaitEvent (frame ring)");
  return &slot;
}

void DeviceFrameRing::release_read(cudaStream_t stream) {
  check_cuda(cudaEventRecord(slots_[slots_index_.read_slot()].read_done, stream), "cudaEventRecord (frame ring)");
}

void copy_to_array(const DeviceFrameView& view, cudaArray_t array, cudaStream_t stream) {
  check_cuda(cudaMemcpy2DToArrayAsync(array, 0, 0, view.rgba8, view.pitch, static_cast<std::size_t>(view.width) * 4,
                                      static_cast<std::size_t>(view.height), cudaMemcpyDeviceToDevice, stream),
             "cudaMemcpy2DToArrayAsync (frame to texture)");
}

DeviceFrameView DeviceFrameRing::view_of(const Slot& slot) const {
  return {slot.pixels, width_, height_, static_cast<std::size_t>(width_) * 4, slot.sequence};
}

}  // namespace tha4::gpu
