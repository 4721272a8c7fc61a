#pragma once
// Who owns which of three slots, for one writer and one reader that never wait for each other: the writer
// owns one slot, the reader one, and the third holds the newest finished frame. Publishing and taking are
// one atomic exchange each. Plain C++ (no CUDA), so the hand-over logic is tested on any machine; the
// device frame ring (device_frame_ring.h) puts GPU buffers and events behind the indices.

#include <atomic>
#include <cstdint>

namespace tha4::gpu {

class TripleBufferIndex {
 public:
  // Writer: the slot to write next.
  int write_slot() const { return write_; }
  // Writer: the write slot now holds the newest frame; returns the new write slot. Release: what was
  // written before is visible to the reader that takes the slot.
  int publish() {
    write_ = shared_.exchange(static_cast<std::uint8_t>(write_ | kFresh), std::memory_order_acq_rel) & kIndexMask;
    return write_;
  }

  // Any thread: whether a frame newer than the reader's last one is waiting.
  bool has_new() const { return (shared_.load(std::memory_order_acquire) & kFresh) != 0; }
  // Reader: takes the newest frame's slot if one was published since the last take, else returns -1. The
  // reader's previous slot goes back to the writer's rotation.
  int take_newest() {
    if (!has_new()) return -1;  // only the reader clears kFresh, so this cannot turn stale before the exchange
    read_ = shared_.exchange(read_, std::memory_order_acq_rel) & kIndexMask;
    return read_;
  }
  // Reader: the slot it holds (the last one taken).
  int read_slot() const { return read_; }

 private:
  static constexpr std::uint8_t kIndexMask = 0x3;
  static constexpr std::uint8_t kFresh = 0x4;  // the shared slot holds a frame no reader has taken
  int write_ = 0;                              // writer only
  std::uint8_t read_ = 1;                      // reader only
  std::atomic<std::uint8_t> shared_{2};
};

}  // namespace tha4::gpu
