#pragma once
// The first two formants of one speech frame, from the roots of its LPC polynomial: linear prediction
// models the vocal tract as an all-pole filter, and each pole pair with a narrow bandwidth is a resonance.
// Root finding separates close formants (o: F1 ≈ 500, F2 ≈ 850 Hz) that merge into one peak of the
// envelope.

#include <complex>
#include <vector>

namespace tha4::tracking {

struct Formants {
  float f1_hz = 0.0f;
  float f2_hz = 0.0f;
  bool found = false;  // false when fewer than two resonances qualified (noise, silence, clipping)
};

class FormantEstimator {
 public:
  // `frame_samples`: the frame length every estimate() call receives.
  FormantEstimator(int sample_rate, int frame_samples);

  Formants estimate(const float* frame);

  int lpc_order() const { return order_; }

 private:
  bool fit_lpc();
  bool find_roots();

  int sample_rate_;
  int order_;
  std::vector<double> window_;
  std::vector<double> emphasised_;
  std::vector<double> autocorrelation_;
  std::vector<double> lpc_;  // a[0] = 1, a[1..order]: x[n] ≈ -Σ a[k] x[n-k]
  std::vector<double> scratch_;
  std::vector<std::complex<double>> roots_;
};

}  // namespace tha4::tracking
