#include "tracking/audio/formant_estimator.h"

#include <algorithm>
#include <cmath>

namespace tha4::tracking {
namespace {

constexpr double kPi = 3.14159265358979323846;
// Pre-emphasis flattens the glottal source's −12 dB/octave tilt (less lip radiation's +6), so that F2
// and F3 are not drowned by F1 in the fit.
constexpr double kPreEmphasis = 0.94;
// Adds a −40 dB white floor to the spectrum: keeps Levinson–Durbin well conditioned on synthetic or
// band-limited input.
constexpr double kWhiteNoiseCorrection = 1e-4;
// A resonance narrower than this is a formant; wider poles only shape the spectral tilt.
constexpr double kMaxBandwidthHz = 500.0;
// Below ~180 Hz sit the glottal pulse and pitch harmonics, not F1.
constexpr double kMinFormantHz = 180.0;
constexpr double kEdgeMarginHz = 250.0;
constexpr int kMaxRootIterations = 200;
constexpr double kRootTolerance = 1e-10;

}  // namespace

FormantEstimator::FormantEstimator(int sample_rate, int frame_samples)
    // The usual rule: two poles per kHz of bandwidth for the formants, plus two for the source tilt.
    : sample_rate_(sample_rate), order_(std::clamp(static_cast<int>(std::lround(sample_rate / 1000.0)) + 2, 8, 20)) {
  const auto n = static_cast<std::size_t>(std::max(frame_samples, order_ + 1));
  window_.resize(n);
  for (std::size_t i = 0; i < n; ++i)
    window_[i] = 0.54 - 0.46 * std::cos(2.0 * kPi * static_cast<double>(i) / static_cast<double>(n - 1));
  emphasised_.resize(n);
  autocorrelation_.resize(static_cast<std::size_t>(order_) + 1);
  lpc_.resize(static_cast<std::size_t>(order_) + 1);
  scratch_.resize(static_cast<std::size_t>(order_) + 1);
  roots_.resize(static_cast<std::size_t>(order_));
}

Formants FormantEstimator::estimate(const float* frame) {
  const std::size_t n = window_.size();
  double previous = frame[0];
  emphasised_[0] = 0.0;
  for (std::size_t i = 1; i < n; ++i) {
    emphasised_[i] = (frame[i] - kPreEmphasis * previous) * window_[i];
    previous = frame[i];
  }
  if (!fit_lpc() || !find_roots()) return {};

  // Roots in the upper half plane: angle → frequency, radius → bandwidth.
  std::vector<double> candidates;
  candidates.reserve(roots_.size());
  const double nyquist = sample_rate_ / 2.0;
  for (const auto& root : roots_) {
    if (root.imag() <= 0.0) continue;
    const double radius = std::abs(root);
    if (!(radius > 0.0) || radius >= 1.0) continue;
    const double frequency = std::arg(root) * sample_rate_ / (2.0 * kPi);
    const double bandwidth = -std::log(radius) * sample_rate_ / kPi;
    if (frequency >= kMinFormantHz && frequency <= nyquist - kEdgeMarginHz && bandwidth <= kMaxBandwidthHz) {
      candidates.push_back(frequency);
    }
  }
  if (candidates.size() < 2) return {};
  std::sort(candidates.begin(), candidates.end());
  return {static_cast<float>(candidates[0]), static_cast<float>(candidates[1]), true};
}

// Autocorrelation method + Levinson–Durbin: the fitted polynomial is minimum phase, so its roots lie
// inside the unit circle and map to positive bandwidths.
bool FormantEstimator::fit_lpc() {
  const std::size_t n = emphasised_.size();
  for (int lag = 0; lag <= order_; ++lag) {
    double sum = 0.0;
    for (std::size_t i = static_cast<std::size_t>(lag); i < n; ++i)
      sum += emphasised_[i] * emphasised_[i - static_cast<std::size_t>(lag)];
    autocorrelation_[static_cast<std::size_t>(lag)] = sum;
  }
  if (!(autocorrelation_[0] > 1e-20) || !std::isfinite(autocorrelation_[0])) return false;
  autocorrelation_[0] *= 1.0 + kWhiteNoiseCorrection;

  std::fill(lpc_.begin(), lpc_.end(), 0.0);
  lpc_[0] = 1.0;
  double error = autocorrelation_[0];
  for (int i = 1; i <= order_; ++i) {
    double accumulator = autocorrelation_[static_cast<std::size_t>(i)];
    for (int j = 1; j < i; ++j)
      accumulator += lpc_[static_cast<std::size_t>(j)] * autocorrelation_[static_cast<std::size_t>(i - j)];
    const double reflection = -accumulator / error;
    std::copy(lpc_.begin(), lpc_.end(), scratch_.begin());
    for (int j = 1; j < i; ++j)
      lpc_[static_cast<std::size_t>(j)] += reflection * scratch_[static_cast<std::size_t>(i - j)];
    lpc_[static_cast<std::size_t>(i)] = reflection;
    error *= 1.0 - reflection * reflection;
    if (!(error > 0.0)) return false;
  }
  return true;
}

// Durand–Kerner on the monic polynomial z^p + a1 z^(p-1) + ... + ap: all roots at once, quadratic
// convergence for the simple roots an LPC fit has, and no linear algebra library.
bool FormantEstimator::find_roots() {
  const int p = order_;
  const auto evaluate = [this, p](std::complex<double> z) {
    std::complex<double> value = 1.0;
    for (int k = 1; k <= p; ++k) value = value * z + lpc_[static_cast<std::size_t>(k)];
    return value;
  };
  // Start on a circle inside the unit circle, at angles that are not symmetric about the real axis.
  for (int k = 0; k < p; ++k) roots_[static_cast<std::size_t>(k)] = std::polar(0.9, 2.0 * kPi * k / p + 0.4);
  for (int iteration = 0; iteration < kMaxRootIterations; ++iteration) {
    double largest_step = 0.0;
    for (int k = 0; k < p; ++k) {
      auto& root = roots_[static_cast<std::size_t>(k)];
      std::complex<double> denominator = 1.0;
      for (int j = 0; j < p; ++j) {
        if (j != k) denominator *= root - roots_[static_cast<std::size_t>(j)];
      }
      if (std::abs(denominator) < 1e-300) denominator = 1e-12;
      const std::complex<double> step = evaluate(root) / denominator;
      root -= step;
      largest_step = std::max(largest_step, std::abs(step));
    }
    if (largest_step < kRootTolerance) return true;
  }
  // Not fully converged: the roots are still usable if they are finite (formants need ~1 Hz precision).
  return std::all_of(roots_.begin(), roots_.end(),
                     [](const std::complex<double>& r) { return std::isfinite(r.real()) && std::isfinite(r.imag()); });
}

}  // namespace tha4::tracking
