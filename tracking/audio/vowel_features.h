#pragma once
// Per analysis frame (30 ms window, 10 ms hop at the decimated rate): loudness, how periodic (voiced) the
// frame is, and the first two formants.

#include "tracking/audio/formant_estimator.h"

#include <vector>

namespace tha4::tracking {

struct VowelFeatures {
  float level_dbfs = -120.0f;  // RMS in dB relative to a full-scale square wave; -120 for digital silence
  float periodicity = 0.0f;    // peak normalised autocorrelation at a pitch lag (80–500 Hz): ~1 voiced, ~0 noise
  Formants formants;           // only computed when asked (it is the costly part)
};

class VowelFeatureExtractor {
 public:
  explicit VowelFeatureExtractor(int sample_rate);

  int sample_rate() const { return sample_rate_; }
  int window_samples() const { return window_samples_; }
  int hop_samples() const { return hop_samples_; }
  double hop_seconds() const { return static_cast<double>(hop_samples_) / sample_rate_; }

  // `frame`: window_samples() samples.
  VowelFeatures analyse(const float* frame, bool with_formants);

 private:
  float periodicity(const float* centred) const;

  int sample_rate_;
  int window_samples_;
  int hop_samples_;
  std::vector<float> centred_;
  FormantEstimator formant_estimator_;
};

}  // namespace tha4::tracking
