#pragma once
// Engine frame rate, render time and pose-to-texture latency for the status line and the benchmark.
// The graphics thread only ever try-locks here: a sample is dropped rather than waited for.

#include <cstdint>
#include <deque>
#include <mutex>

namespace tha4::avatar {

class RenderStatistics {
 public:
  struct Summary {
    double fps = 0.0;         // frames finished in the last two seconds, per second
    double frame_ms = 0.0;    // median render time of the last 60 frames
    double latency_ms = 0.0;  // median pose-to-texture latency of the last 60 frames shown
    std::uint64_t frames = 0;
  };

  void add_frame(double end_s, double render_s);
  // Graphics thread: never waits.
  void add_latency(double latency_s);
  Summary summary(double now_s) const;

 private:
  mutable std::mutex mutex_;
  std::deque<double> frame_ends_s_;
  std::deque<double> render_s_;
  std::deque<double> latency_s_;
  std::uint64_t frames_ = 0;
};

}  // namespace tha4::avatar
