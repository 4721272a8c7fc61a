#pragma once
// A bounded mono sample queue between the audio thread (producer) and the lip-sync worker (consumer).
// The producer downmixes outside the lock and holds the mutex only to copy a chunk in, so OBS's audio
// thread never waits on analysis. When the consumer falls behind, the oldest samples are dropped: memory
// stays bounded and the mouth follows the newest audio.

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <vector>

namespace tha4::tracking {

class AudioRingBuffer {
 public:
  explicit AudioRingBuffer(std::size_t capacity_samples);

  // Appends `frames` frames of `channels` planar float planes, averaged to mono. Null planes and
  // non-finite samples count as silence; calls with no frames, no channels or a rate outside
  // [1 kHz, 1 MHz] are ignored. A rate different from the pending samples' discards them: they could not
  // be analysed at the new rate.
  void push(const float* const* planes, int channels, int frames, int sample_rate);
  // The same for interleaved samples (WAV files, tests).
  void push_interleaved(const float* samples, int channels, int frames, int sample_rate);

  // Appends every pending sample to `out` and returns their sample rate (0 before the first push).
  int drain(std::vector<float>& out);

  std::size_t capacity() const { return storage_.size(); }
  // Samples dropped because the buffer was full or the rate changed, since construction.
  std::uint64_t dropped_samples() const;

 private:
  template <class SampleAt>
  void push_downmixed(int channels, int frames, int sample_rate, SampleAt sample_at);
  void append_locked(const float* mono, std::size_t count, int sample_rate);

  mutable std::mutex mutex_;
  std::vector<float> storage_;
  std::size_t head_ = 0;  // index of the oldest pending sample
  std::size_t size_ = 0;  // pending samples
  int sample_rate_ = 0;
  std::uint64_t dropped_ = 0;
};

}  // namespace tha4::tracking
