#pragma once
// Turns one analysis frame's features into the smoothed mouth: noise gate (fixed, or raised above a
// tracked noise floor), loudness → openness in dB between the gate and "fully open", attack/release
// smoothing, and the vowel mix, which changes only on voiced frames and holds through consonants and
// pauses so the mouth does not flicker.

#include "tracking/audio/lip_sync_settings.h"
#include "tracking/audio/mouth_shape.h"
#include "tracking/audio/vowel_features.h"

namespace tha4::tracking {

class MouthFollower {
 public:
  explicit MouthFollower(const LipSyncSettings& settings);

  void set_settings(const LipSyncSettings& settings) { settings_ = settings; }
  // One frame, `hop_seconds` after the previous one.
  void step(const VowelFeatures& features, double hop_seconds);
  // No audio arrived for `seconds`: close as if the source had gone silent.
  void decay(double seconds);
  void reset();

  const MouthShape& mouth() const { return mouth_; }
  float effective_gate_db() const;
  float last_level_db() const { return level_db_; }

 private:
  void track_noise_floor(float level_db, double hop_seconds);
  void follow_vowels(const VowelFeatures& features, bool voiced, double hop_seconds);

  LipSyncSettings settings_;
  MouthShape mouth_;
  float noise_floor_db_;
  float level_db_ = -120.0f;
};

}  // namespace tha4::tracking
