#include "tracking/camera/one_euro_filter.h"

#include "tracking/camera/tracking_math.h"

#include <cmath>

namespace tha4::tracking {
namespace {

// Smoothing factor of an exponential low-pass with cutoff `cutoff_hz`, sampled every `period_s`.
double smoothing_factor(double cutoff_hz, double period_s) {
  const double tau = 1.0 / (2.0 * kPi * cutoff_hz);
  return 1.0 / (1.0 + tau / period_s);
}

}  // namespace

OneEuroFilter::OneEuroFilter(const OneEuroParameters& parameters) : parameters_(parameters) {}

double OneEuroFilter::filter(double value, double timestamp_s) {
  const double period_s = timestamp_s - previous_timestamp_s_;
  if (!primed_ || !(period_s > 0.0)) {
    primed_ = true;
    previous_value_ = value;
    previous_derivative_ = 0.0;
    previous_timestamp_s_ = timestamp_s;
    return value;
  }
  const double derivative = (value - previous_value_) / period_s;
  const double derivative_alpha = smoothing_factor(parameters_.derivative_cutoff_hz, period_s);
  previous_derivative_ += derivative_alpha * (derivative - previous_derivative_);
  const double cutoff_hz = parameters_.min_cutoff_hz + parameters_.beta * std::abs(previous_derivative_);
  previous_value_ += smoothing_factor(cutoff_hz, period_s) * (value - previous_value_);
  previous_timestamp_s_ = timestamp_s;
  return previous_value_;
}

void OneEuroFilter::reset() { primed_ = false; }

}  // namespace tha4::tracking
