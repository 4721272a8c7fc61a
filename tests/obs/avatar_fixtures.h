#pragma once
// What the OBS test files share: the avatar source with deterministic settings, a render that waits for
// the worker to settle, and a probe of OBS's own frame rate while something happens.
#include "tests/obs/obs_host.h"
#include "tests/obs/test_image.h"

#include <obs.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>

namespace tha4::obs_test {

inline constexpr const char* kAvatarId = "tha4_avatar_source";

// Settings for a deterministic avatar: a fixed pose, no idle motion, no tracking.
obs_data_t* still_settings(const std::string& model, const std::string& pose, const char* engine = "cpu_fast");

// An avatar source shown as a preview or projector would show it.
struct Avatar {
  explicit Avatar(obs_data_t* settings, const char* name = "avatar") : source(kAvatarId, name, settings) {
    obs_data_release(settings);
    obs_source_inc_showing(source.get());
  }
  ~Avatar() { obs_source_dec_showing(source.get()); }
  SourceRef source;
};

// Renders until two consecutive reads agree and `accept` holds (the worker needs a moment to load).
Image settled_render(obs_source_t* source, const std::function<bool(const Image&)>& accept,
                     std::chrono::milliseconds timeout = std::chrono::seconds(60));

// OBS's main output from construction on: frames delivered, frames rendered and lagged, and the average
// frame time, for "OBS kept its frame rate" checks.
class FrameRateProbe {
 public:
  FrameRateProbe();
  double seconds() const;
  int frames_delivered() { return capture_.frames(); }
  std::uint32_t frames_rendered() const { return obs_get_total_frames() - total_before_; }
  std::uint32_t frames_lagged() const { return obs_get_lagged_frames() - lagged_before_; }
  // "OBS output N frames in S s, rendered R, lagged L, average frame time T ms" for INFO().
  std::string summary();
  // At least 90 % of 30 frames/s delivered, at most 1 % of rendered frames lagged (2 in the short windows of
  // these tests: on a 2-core machine the software GL shares the cores with everything), and the average frame
  // time inside the 33 ms budget.
  bool kept_frame_rate();

 private:
  OutputCapture capture_;
  std::uint32_t lagged_before_;
  std::uint32_t total_before_;
  std::chrono::steady_clock::time_point start_;
};

// A test audio source: a vowel-like buzz (a pulse train through two formant resonators) while `voiced`,
// silence otherwise. Registers the source type once and returns its id; obs_obj_get_data gives the state.
struct TestVoice {
  obs_source_t* source = nullptr;
  std::atomic<bool> voiced{false};
  std::atomic<bool> stop{false};
  std::thread thread;
};
const char* register_test_voice_source();

}  // namespace tha4::obs_test
