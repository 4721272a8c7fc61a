#include "tracking/audio/mouth_follower.h"

#include "tracking/audio/vowel_classifier.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace tha4::tracking {
namespace {

// The noise floor is a slow-rising, fast-falling follower of the frame level: the pauses between words
// pull it down at once, while a fan that never pauses raises it within a few seconds. Continuous speech
// rarely lasts long enough without a dip to lift it into the speech range.
constexpr double kNoiseFloorRiseSeconds = 2.0;
constexpr double kNoiseFloorFallSeconds = 0.05;
constexpr float kGateAboveNoiseFloorDb = 6.0f;
// The automatic gate never climbs closer than this to "fully open", so loud rooms still get a range.
constexpr float kMinOpeningRangeDb = 10.0f;
// Below this periodicity a frame is noise or a fricative: its formants say nothing about the vowel.
constexpr float kVoicedPeriodicity = 0.45f;
constexpr double kVowelSeconds = 0.04;
// A mouth this nearly closed takes the new vowel at once instead of morphing from the previous word's.
constexpr float kClosedOpenness = 0.05f;
constexpr float kSilenceDb = -120.0f;

float smoothing_factor(double hop_seconds, float time_constant_ms) {
  const double tau = std::max(1e-4, static_cast<double>(time_constant_ms) / 1000.0);
  return static_cast<float>(1.0 - std::exp(-std::max(0.0, hop_seconds) / tau));
}

float finite_or(float value, float fallback) { return std::isfinite(value) ? value : fallback; }

}  // namespace

MouthFollower::MouthFollower(const LipSyncSettings& settings) : settings_(settings) { reset(); }

void MouthFollower::reset() {
  mouth_ = {};
  level_db_ = kSilenceDb;
  // Starts where the automatic gate equals the fixed one, so speech from the first frame opens the mouth.
  noise_floor_db_ = finite_or(settings_.gate_db, -50.0f) - kGateAboveNoiseFloorDb;
}

float MouthFollower::effective_gate_db() const {
  const float gate = finite_or(settings_.gate_db, -50.0f);
  if (!settings_.auto_noise_floor) return gate;
  const float highest_auto_gate = finite_or(settings_.full_open_db, -20.0f) - kMinOpeningRangeDb;
  return std::max(gate, std::min(noise_floor_db_ + kGateAboveNoiseFloorDb, highest_auto_gate));
}

void MouthFollower::track_noise_floor(float level_db, double hop_seconds) {
  const double tau = level_db < noise_floor_db_ ? kNoiseFloorFallSeconds : kNoiseFloorRiseSeconds;
  const double alpha = 1.0 - std::exp(-std::max(0.0, hop_seconds) / tau);
  noise_floor_db_ += static_cast<float>(alpha * (level_db - noise_floor_db_));
}

void MouthFollower::step(const VowelFeatures& features, double hop_seconds) {
  level_db_ = std::max(kSilenceDb, finite_or(features.level_dbfs, kSilenceDb) + finite_or(settings_.gain_db, 0.0f));
  const float gate = effective_gate_db();  // before this frame moves the floor
  track_noise_floor(level_db_, hop_seconds);

  const float full_open = std::max(finite_or(settings_.full_open_db, -20.0f), gate + 1.0f);
  const float target = std::clamp((level_db_ - gate) / (full_open - gate), 0.0f, 1.0f);
  const bool voiced = level_db_ > gate;

  follow_vowels(features, voiced, hop_seconds);

  const float time_constant = target > mouth_.openness ? settings_.attack_ms : settings_.release_ms;
  mouth_.openness += smoothing_factor(hop_seconds, finite_or(time_constant, 50.0f)) * (target - mouth_.openness);
  mouth_.openness = std::clamp(mouth_.openness, 0.0f, 1.0f);
  mouth_.voiced = voiced;
}

void MouthFollower::follow_vowels(const VowelFeatures& features, bool voiced, double hop_seconds) {
  auto& vowels = mouth_.vowels;
  if (!settings_.detect_vowels) {
    vowels = {1.0f, 0.0f, 0.0f, 0.0f, 0.0f};
    return;
  }
  if (!voiced) return;  // hold: the mouth closes with the current shape
  const bool has_shape = std::accumulate(vowels.begin(), vowels.end(), 0.0f) > 0.0f;
  const bool classifiable = features.periodicity >= kVoicedPeriodicity && features.formants.found;
  if (!classifiable) {
    if (!has_shape) vowels = {1.0f, 0.0f, 0.0f, 0.0f, 0.0f};  // unvoiced sound before any vowel: plain open
    return;
  }
  const VowelMix mix = classify_vowel(features.formants.f1_hz, features.formants.f2_hz);
  if (!has_shape || mouth_.openness < kClosedOpenness) {
    vowels = mix;
    return;
  }
  const float alpha = smoothing_factor(hop_seconds, static_cast<float>(kVowelSeconds * 1000.0));
  for (std::size_t k = 0; k < vowels.size(); ++k) vowels[k] += alpha * (mix[k] - vowels[k]);
}

void MouthFollower::decay(double seconds) {
  if (!(seconds > 0.0)) return;
  mouth_.openness *= 1.0f - smoothing_factor(seconds, finite_or(settings_.release_ms, 50.0f));
  mouth_.voiced = false;
}

}  // namespace tha4::tracking
