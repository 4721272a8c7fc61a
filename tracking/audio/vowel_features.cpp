#include "tracking/audio/vowel_features.h"

#include <algorithm>
#include <cmath>

namespace tha4::tracking {
namespace {

constexpr double kWindowSeconds = 0.030;  // two periods of an 80 Hz voice; short enough for a syllable
constexpr double kHopSeconds = 0.010;
constexpr double kMinPitchHz = 80.0;
constexpr double kMaxPitchHz = 500.0;
constexpr float kSilenceDbfs = -120.0f;

int samples_for(double seconds, int sample_rate) {
  return std::max(1, static_cast<int>(std::lround(seconds * sample_rate)));
}

}  // namespace

VowelFeatureExtractor::VowelFeatureExtractor(int sample_rate)
    : sample_rate_(sample_rate),
      window_samples_(samples_for(kWindowSeconds, sample_rate)),
      hop_samples_(samples_for(kHopSeconds, sample_rate)),
      centred_(static_cast<std::size_t>(window_samples_)),
      formant_estimator_(sample_rate, window_samples_) {}

VowelFeatures VowelFeatureExtractor::analyse(const float* frame, bool with_formants) {
  const auto n = static_cast<std::size_t>(window_samples_);
  // A microphone's DC offset is not loudness.
  double mean = 0.0;
  for (std::size_t i = 0; i < n; ++i) mean += frame[i];
  mean /= static_cast<double>(n);
  double energy = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    centred_[i] = static_cast<float>(frame[i] - mean);
    energy += static_cast<double>(centred_[i]) * centred_[i];
  }
  VowelFeatures features;
  const double rms = std::sqrt(energy / static_cast<double>(n));
  features.level_dbfs = rms > 1e-6 ? static_cast<float>(20.0 * std::log10(rms)) : kSilenceDbfs;
  if (features.level_dbfs <= kSilenceDbfs) return features;
  features.periodicity = periodicity(centred_.data());
  if (with_formants) features.formants = formant_estimator_.estimate(centred_.data());
  return features;
}

// Normalised autocorrelation r(L) = Σx[n]x[n+L] / sqrt(Σx[n]² Σx[n+L]²), maximised over pitch lags.
float VowelFeatureExtractor::periodicity(const float* centred) const {
  const int min_lag = std::max(1, static_cast<int>(sample_rate_ / kMaxPitchHz));
  const int max_lag = std::min(window_samples_ / 2, static_cast<int>(sample_rate_ / kMinPitchHz));
  double best = 0.0;
  for (int lag = min_lag; lag <= max_lag; ++lag) {
    double cross = 0.0;
    double head = 0.0;
    double tail = 0.0;
    for (int i = 0; i + lag < window_samples_; ++i) {
      const double a = centred[i];
      const double b = centred[i + lag];
      cross += a * b;
      head += a * a;
      tail += b * b;
    }
    if (head > 0.0 && tail > 0.0) best = std::max(best, cross / std::sqrt(head * tail));
  }
  return static_cast<float>(best);
}

}  // namespace tha4::tracking
