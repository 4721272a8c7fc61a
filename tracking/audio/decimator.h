#pragma once
// Streaming low-pass + integer decimation from the capture rate (44.1/48 kHz, ...) down to the 10-16 kHz
// band where vowel formants (all below ~3.5 kHz) are analysed: fewer samples per frame and a low LPC order.

#include <vector>

namespace tha4::tracking {

class Decimator {
 public:
  explicit Decimator(int input_rate);

  int input_rate() const { return input_rate_; }
  int output_rate() const { return input_rate_ / factor_; }
  int factor() const { return factor_; }

  // Filters `count` new input samples and appends the decimated ones to `out`; keeps the filter history
  // between calls, so a signal split into any blocks gives the same output.
  void process(const float* input, int count, std::vector<float>& out);

 private:
  int input_rate_;
  int factor_;
  std::vector<float> taps_;
  std::vector<float> pending_;  // filter history plus input not yet consumed
  std::size_t next_ = 0;        // start of the next output's window in pending_
};

}  // namespace tha4::tracking
