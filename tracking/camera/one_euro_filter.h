#pragma once
// The One Euro filter (Casiez, Roussel & Vogel, CHI 2012): a low-pass filter whose cutoff rises with the
// signal's speed, so a still signal stops jittering while a fast one (a blink, a head turn) keeps up.

#include "tracking/camera/tracker_settings.h"

namespace tha4::tracking {

class OneEuroFilter {
 public:
  explicit OneEuroFilter(const OneEuroParameters& parameters);

  // Filters one sample taken at `timestamp_s`. The first sample, and any sample whose timestamp does not
  // move forward (a restarted video), passes through unchanged and restarts the filter there.
  double filter(double value, double timestamp_s);
  void reset();

 private:
  OneEuroParameters parameters_;
  bool primed_ = false;
  double previous_value_ = 0.0;
  double previous_derivative_ = 0.0;
  double previous_timestamp_s_ = 0.0;
};

}  // namespace tha4::tracking
