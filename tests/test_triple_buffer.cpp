// The hand-over logic behind the CUDA engine's device frame ring (inference/cuda/triple_buffer_index.h):
// plain C++, so it is tested here on the CPU, including under two racing threads.
#include "inference/cuda/triple_buffer_index.h"

#include <catch2/catch.hpp>

#include <array>
#include <atomic>
#include <cstdint>
#include <thread>

using tha4::gpu::TripleBufferIndex;

TEST_CASE("frame ring: the reader takes the newest published slot, once", "[frame-ring]") {
  TripleBufferIndex index;
  CHECK_FALSE(index.has_new());
  CHECK(index.take_newest() == -1);  // nothing published yet

  const int first = index.write_slot();
  index.publish();
  CHECK(index.has_new());
  CHECK(index.take_newest() == first);
  CHECK(index.read_slot() == first);
  CHECK(index.take_newest() == -1);  // the same frame is not taken twice
  CHECK(index.write_slot() != index.read_slot());

  // Two frames before the reader looks: it gets the second, never the first.
  index.publish();
  const int second = index.write_slot();
  index.publish();
  CHECK(index.take_newest() == second);
  CHECK(index.write_slot() != index.read_slot());
}

TEST_CASE("frame ring: racing threads never share a slot and frames only move forward", "[frame-ring]") {
  // Each slot holds a frame number in every cell. A writer that wrote into the slot the reader holds
  // would show up as a frame whose cells disagree.
  struct Slot {
    std::array<std::uint64_t, 64> cells{};
  };
  std::array<Slot, 3> slots;
  TripleBufferIndex index;
  constexpr std::uint64_t kFrames = 200000;
  std::atomic<bool> done{false};

  std::thread writer([&] {
    for (std::uint64_t frame = 1; frame <= kFrames; ++frame) {
      for (auto& cell : slots[static_cast<std::size_t>(index.write_slot())].cells) cell = frame;
      index.publish();
    }
    done.store(true);
  });

  std::uint64_t last = 0;
  std::uint64_t taken = 0;
  std::uint64_t torn = 0;
  std::uint64_t backwards = 0;
  while (true) {
    const bool finished = done.load();
    const int slot = index.take_newest();
    if (slot >= 0) {
      const auto& cells = slots[static_cast<std::size_t>(slot)].cells;
      const std::uint64_t frame = cells[0];
      for (const std::uint64_t cell : cells) torn += cell != frame;
      backwards += frame <= last;
      last = frame;
      ++taken;
    }
    if (finished && slot < 0) break;
  }
  writer.join();
  CHECK(torn == 0);
  CHECK(backwards == 0);
  CHECK(last == kFrames);  // the final frame always arrives
  CHECK(taken > 0);
}
