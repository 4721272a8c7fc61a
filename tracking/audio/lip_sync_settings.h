#pragma once
// What a user can tune about lip sync (the OBS source's properties map onto these).

namespace tha4::tracking {

struct LipSyncSettings {
  float gain_db = 0.0f;          // microphone sensitivity: added to the measured level
  float gate_db = -50.0f;        // level (after gain, dBFS) at or below which the mouth stays closed
  float full_open_db = -20.0f;   // level at or above which the mouth is fully open (normal speech peaks)
  bool auto_noise_floor = true;  // raise the gate above steady background noise (fans, hum) after a few seconds
  float attack_ms = 25.0f;       // opening time constant
  float release_ms = 60.0f;      // closing time constant
  bool detect_vowels = true;     // false: every opening is mouth_aaa
};

}  // namespace tha4::tracking
