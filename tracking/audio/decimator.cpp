#include "tracking/audio/decimator.h"

#include <algorithm>
#include <cmath>

namespace tha4::tracking {
namespace {

constexpr double kPi = 3.14159265358979323846;
// The analysis rate lands in [10 kHz, 20 kHz): enough for F3 of every vowel, few enough samples for LPC.
constexpr int kTargetRate = 10000;
// Pass band edge as a fraction of the output rate (Nyquist is 0.5): the Blackman transition band sits
// mostly above the formants, and what aliases lands above F3.
constexpr double kCutoffFraction = 0.42;
constexpr int kTapsPerFactor = 16;

std::vector<float> design_low_pass(int factor) {
  const int count = kTapsPerFactor * factor + 1;
  const double cutoff = kCutoffFraction / factor;  // cycles per input sample
  const double middle = (count - 1) / 2.0;
  std::vector<double> taps(static_cast<std::size_t>(count));
  double sum = 0.0;
  for (int i = 0; i < count; ++i) {
    const double t = i - middle;
    const double sinc = t == 0.0 ? 2.0 * cutoff : std::sin(2.0 * kPi * cutoff * t) / (kPi * t);
    const double phase = 2.0 * kPi * i / (count - 1);
    const double blackman = 0.42 - 0.5 * std::cos(phase) + 0.08 * std::cos(2.0 * phase);
    taps[static_cast<std::size_t>(i)] = sinc * blackman;
    sum += taps[static_cast<std::size_t>(i)];
  }
  std::vector<float> normalised(taps.size());  // unity gain at DC
  std::transform(taps.begin(), taps.end(), normalised.begin(),
                 [sum](double tap) { return static_cast<float>(tap / sum); });
  return normalised;
}

}  // namespace

Decimator::Decimator(int input_rate) : input_rate_(input_rate), factor_(std::max(1, input_rate / kTargetRate)) {
  if (factor_ > 1) {
    taps_ = design_low_pass(factor_);
    pending_.assign(taps_.size() - 1, 0.0f);  // the stream starts after silence
  }
}

void Decimator::process(const float* input, int count, std::vector<float>& out) {
  if (count <= 0) return;
  if (factor_ == 1) {
    out.insert(out.end(), input, input + count);
    return;
  }
  pending_.insert(pending_.end(), input, input + count);
  const std::size_t taps = taps_.size();
  for (; next_ + taps <= pending_.size(); next_ += static_cast<std::size_t>(factor_)) {
    const float* window = pending_.data() + next_;
    float sum = 0.0f;
    for (std::size_t i = 0; i < taps; ++i) sum += taps_[i] * window[i];
    out.push_back(sum);
  }
  pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(next_));
  next_ = 0;
}

}  // namespace tha4::tracking
