#include "plugin/runtime/render_statistics.h"

#include <algorithm>
#include <vector>

namespace tha4::avatar {
namespace {

constexpr std::size_t kKept = 60;
constexpr double kRateWindowS = 2.0;

void push_bounded(std::deque<double>& values, double value) {
  values.push_back(value);
  if (values.size() > kKept) values.pop_front();
}

double median(const std::deque<double>& values) {
  if (values.empty()) return 0.0;
  std::vector<double> sorted(values.begin(), values.end());
  std::nth_element(sorted.begin(), sorted.begin() + sorted.size() / 2, sorted.end());
  return sorted[sorted.size() / 2];
}

}  // namespace

void RenderStatistics::add_frame(double end_s, double render_s) {
  std::lock_guard<std::mutex> lock(mutex_);
  frame_ends_s_.push_back(end_s);
  while (!frame_ends_s_.empty() && frame_ends_s_.front() < end_s - kRateWindowS) frame_ends_s_.pop_front();
  push_bounded(render_s_, render_s);
  ++frames_;
}

void RenderStatistics::add_latency(double latency_s) {
  std::unique_lock<std::mutex> lock(mutex_, std::try_to_lock);
  if (lock.owns_lock()) push_bounded(latency_s_, latency_s);
}

RenderStatistics::Summary RenderStatistics::summary(double now_s) const {
  std::lock_guard<std::mutex> lock(mutex_);
  Summary summary;
  const auto recent =
      std::count_if(frame_ends_s_.begin(), frame_ends_s_.end(), [&](double t) { return t >= now_s - kRateWindowS; });
  summary.fps = static_cast<double>(recent) / kRateWindowS;
  summary.frame_ms = median(render_s_) * 1000.0;
  summary.latency_ms = median(latency_s_) * 1000.0;
  summary.frames = frames_;
  return summary;
}

}  // namespace tha4::avatar
