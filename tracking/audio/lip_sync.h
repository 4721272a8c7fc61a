#pragma once
// Lip sync from microphone audio: loudness opens the mouth, formants pick among the five vowel shapes.
//
// Threads: submit_audio()/submit_interleaved() on one thread (OBS's audio callback: they only downmix and
// copy into a bounded buffer), update()/diagnostics()/reset() on another (a worker: all analysis happens
// there), set_settings() from any thread. No OBS or LibTorch dependency.

#include "tracking/audio/audio_ring_buffer.h"
#include "tracking/audio/lip_sync_settings.h"
#include "tracking/audio/mouth_shape.h"

#include <cstdint>
#include <memory>
#include <mutex>

namespace tha4::tracking {

// What the analysis saw in the latest frame (for a level meter in the settings UI, and for tests).
struct LipSyncDiagnostics {
  int analysis_rate = 0;     // Hz after decimation; 0 before any audio
  float level_db = -120.0f;  // after gain
  float gate_db = -50.0f;    // effective gate: the setting, or higher above the noise floor
  float periodicity = 0.0f;
  float f1_hz = 0.0f;  // 0 when no formants were found
  float f2_hz = 0.0f;
  std::uint64_t frames_analysed = 0;
  std::uint64_t samples_dropped = 0;
};

class LipSync {
 public:
  explicit LipSync(const LipSyncSettings& settings = {});
  ~LipSync();
  LipSync(const LipSync&) = delete;
  LipSync& operator=(const LipSync&) = delete;

  // Takes effect at the next update().
  void set_settings(const LipSyncSettings& settings);

  // Audio thread. Planar float channels (OBS's format), downmixed to mono; null planes, NaN and infinite
  // samples count as silence. A change of sample rate restarts the analysis at the new rate.
  void submit_audio(const float* const* planes, int channels, int frames, int sample_rate);
  void submit_interleaved(const float* samples, int channels, int frames, int sample_rate);

  // Worker thread. Analyses every pending sample (at most ~1.4 s are kept) and returns the smoothed
  // mouth. `now_seconds` is any monotonic clock: when no audio arrives for a while (source muted or
  // removed) the mouth closes over wall time instead of freezing open.
  MouthShape update(double now_seconds);

  // Worker thread: what the latest analysed frame measured.
  LipSyncDiagnostics diagnostics() const;

  // Worker thread: forgets the smoothed state and the noise floor (pending audio is kept).
  void reset();

 private:
  class Analysis;

  AudioRingBuffer buffer_;
  std::unique_ptr<Analysis> analysis_;
  std::mutex settings_mutex_;
  LipSyncSettings settings_;
  bool settings_changed_ = false;
};

}  // namespace tha4::tracking
