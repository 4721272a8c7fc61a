#include "tracking/audio/audio_ring_buffer.h"

#include <algorithm>
#include <array>
#include <cmath>

namespace tha4::tracking {
namespace {

constexpr int kMinSampleRate = 1000;
constexpr int kMaxSampleRate = 1000000;
// Downmixed on the producer's stack, then copied under the lock: 256 samples keep the lock short.
constexpr int kChunkFrames = 256;

float finite_or_zero(float sample) { return std::isfinite(sample) ? sample : 0.0f; }

}  // namespace

AudioRingBuffer::AudioRingBuffer(std::size_t capacity_samples) : storage_(std::max<std::size_t>(capacity_samples, 1)) {}

template <class SampleAt>
void AudioRingBuffer::push_downmixed(int channels, int frames, int sample_rate, SampleAt sample_at) {
  if (channels <= 0 || frames <= 0 || sample_rate < kMinSampleRate || sample_rate > kMaxSampleRate) return;
  // Frames that would be overwritten before anyone could read them are not even downmixed.
  int first = 0;
  if (static_cast<std::size_t>(frames) > capacity()) {
    first = frames - static_cast<int>(capacity());
    std::lock_guard<std::mutex> lock(mutex_);
    dropped_ += static_cast<std::uint64_t>(first);
  }
  const float scale = 1.0f / static_cast<float>(channels);
  std::array<float, kChunkFrames> mono{};
  for (int start = first; start < frames; start += kChunkFrames) {
    const int count = std::min(kChunkFrames, frames - start);
    for (int i = 0; i < count; ++i) {
      float sum = 0.0f;
      for (int c = 0; c < channels; ++c) sum += finite_or_zero(sample_at(c, start + i));
      mono[static_cast<std::size_t>(i)] = sum * scale;
    }
    std::lock_guard<std::mutex> lock(mutex_);
    append_locked(mono.data(), static_cast<std::size_t>(count), sample_rate);
  }
}

void AudioRingBuffer::push(const float* const* planes, int channels, int frames, int sample_rate) {
  if (planes == nullptr) return;
  push_downmixed(channels, frames, sample_rate, [planes](int channel, int frame) {
    const float* plane = planes[channel];
    return plane == nullptr ? 0.0f : plane[frame];
  });
}

void AudioRingBuffer::push_interleaved(const float* samples, int channels, int frames, int sample_rate) {
  if (samples == nullptr) return;
  push_downmixed(channels, frames, sample_rate, [samples, channels](int channel, int frame) {
    return samples[static_cast<std::size_t>(frame) * static_cast<std::size_t>(channels) +
                   static_cast<std::size_t>(channel)];
  });
}

void AudioRingBuffer::append_locked(const float* mono, std::size_t count, int sample_rate) {
  if (sample_rate != sample_rate_) {
    dropped_ += size_;
    head_ = 0;
    size_ = 0;
    sample_rate_ = sample_rate;
  }
  const std::size_t capacity_samples = capacity();
  if (count > capacity_samples) {  // unreachable with kChunkFrames-sized chunks unless the buffer is tiny
    dropped_ += count - capacity_samples;
    mono += count - capacity_samples;
    count = capacity_samples;
  }
  const std::size_t overflow = size_ + count > capacity_samples ? size_ + count - capacity_samples : 0;
  head_ = (head_ + overflow) % capacity_samples;
  size_ -= overflow;
  dropped_ += overflow;

  const std::size_t tail = (head_ + size_) % capacity_samples;
  const std::size_t before_wrap = std::min(count, capacity_samples - tail);
  std::copy_n(mono, before_wrap, storage_.begin() + static_cast<std::ptrdiff_t>(tail));
  std::copy_n(mono + before_wrap, count - before_wrap, storage_.begin());
  size_ += count;
}

int AudioRingBuffer::drain(std::vector<float>& out) {
  // Growing `out` may allocate: do it before taking the lock so the audio thread never waits on malloc.
  out.reserve(out.size() + capacity());
  std::lock_guard<std::mutex> lock(mutex_);
  const std::size_t before_wrap = std::min(size_, capacity() - head_);
  const auto begin = storage_.begin() + static_cast<std::ptrdiff_t>(head_);
  out.insert(out.end(), begin, begin + static_cast<std::ptrdiff_t>(before_wrap));
  out.insert(out.end(), storage_.begin(), storage_.begin() + static_cast<std::ptrdiff_t>(size_ - before_wrap));
  head_ = 0;
  size_ = 0;
  return sample_rate_;
}

std::uint64_t AudioRingBuffer::dropped_samples() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return dropped_;
}

}  // namespace tha4::tracking
