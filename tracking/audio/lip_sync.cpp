#include "tracking/audio/lip_sync.h"

#include "tracking/audio/decimator.h"
#include "tracking/audio/mouth_follower.h"
#include "tracking/audio/vowel_features.h"

#include <cmath>
#include <optional>

namespace tha4::tracking {
namespace {

// ~1.4 s at 48 kHz: covers a worker that stalls for a second; older audio no longer matters for the mouth.
constexpr std::size_t kBufferSamples = 1 << 16;
// OBS delivers audio every ~10–25 ms; a longer gap means the source went quiet without sending silence.
constexpr double kAudioStaleSeconds = 0.15;

}  // namespace

// Everything that runs on the worker: decimation, framing, features and the mouth follower.
class LipSync::Analysis {
 public:
  explicit Analysis(const LipSyncSettings& settings) : follower_(settings) {}

  void set_settings(const LipSyncSettings& settings) { follower_.set_settings(settings); }

  MouthShape update(AudioRingBuffer& buffer, double now_seconds, bool detect_vowels) {
    drained_.clear();
    const int sample_rate = buffer.drain(drained_);
    std::uint64_t frames = 0;
    if (!drained_.empty()) {
      if (!decimator_ || decimator_->input_rate() != sample_rate) restart_at(sample_rate);
      decimator_->process(drained_.data(), static_cast<int>(drained_.size()), decimated_);
      frames = analyse_pending_frames(detect_vowels);
    }
    if (std::isfinite(now_seconds)) {
      if (frames > 0 || !last_audio_seconds_) {
        last_audio_seconds_ = now_seconds;
      } else if (now_seconds - *last_audio_seconds_ > kAudioStaleSeconds && last_update_seconds_) {
        follower_.decay(now_seconds - std::max(*last_update_seconds_, *last_audio_seconds_ + kAudioStaleSeconds));
      }
      last_update_seconds_ = now_seconds;
    }
    diagnostics_.samples_dropped = buffer.dropped_samples();
    return follower_.mouth();
  }

  const LipSyncDiagnostics& diagnostics() const { return diagnostics_; }

  void reset() {
    follower_.reset();
    last_audio_seconds_.reset();
    last_update_seconds_.reset();
  }

 private:
  void restart_at(int sample_rate) {
    decimator_.emplace(sample_rate);
    extractor_.emplace(decimator_->output_rate());
    decimated_.clear();
    diagnostics_.analysis_rate = extractor_->sample_rate();
  }

  std::uint64_t analyse_pending_frames(bool detect_vowels) {
    const auto window = static_cast<std::size_t>(extractor_->window_samples());
    const auto hop = static_cast<std::size_t>(extractor_->hop_samples());
    std::size_t start = 0;
    std::uint64_t frames = 0;
    for (; start + window <= decimated_.size(); start += hop, ++frames) {
      const VowelFeatures features = extractor_->analyse(decimated_.data() + start, detect_vowels);
      follower_.step(features, extractor_->hop_seconds());
      diagnostics_.level_db = follower_.last_level_db();
      diagnostics_.gate_db = follower_.effective_gate_db();
      diagnostics_.periodicity = features.periodicity;
      diagnostics_.f1_hz = features.formants.found ? features.formants.f1_hz : 0.0f;
      diagnostics_.f2_hz = features.formants.found ? features.formants.f2_hz : 0.0f;
    }
    diagnostics_.frames_analysed += frames;
    decimated_.erase(decimated_.begin(),
                     decimated_.begin() + static_cast<std::ptrdiff_t>(std::min(start, decimated_.size())));
    return frames;
  }

  std::vector<float> drained_;
  std::vector<float> decimated_;
  std::optional<Decimator> decimator_;
  std::optional<VowelFeatureExtractor> extractor_;
  MouthFollower follower_;
  LipSyncDiagnostics diagnostics_;
  std::optional<double> last_audio_seconds_;
  std::optional<double> last_update_seconds_;
};

LipSync::LipSync(const LipSyncSettings& settings)
    : buffer_(kBufferSamples), analysis_(std::make_unique<Analysis>(settings)), settings_(settings) {}

LipSync::~LipSync() = default;

void LipSync::set_settings(const LipSyncSettings& settings) {
  std::lock_guard<std::mutex> lock(settings_mutex_);
  settings_ = settings;
  settings_changed_ = true;
}

void LipSync::submit_audio(const float* const* planes, int channels, int frames, int sample_rate) {
  buffer_.push(planes, channels, frames, sample_rate);
}

void LipSync::submit_interleaved(const float* samples, int channels, int frames, int sample_rate) {
  buffer_.push_interleaved(samples, channels, frames, sample_rate);
}

MouthShape LipSync::update(double now_seconds) {
  bool detect_vowels = false;
  {
    std::lock_guard<std::mutex> lock(settings_mutex_);
    if (settings_changed_) {
      analysis_->set_settings(settings_);
      settings_changed_ = false;
    }
    detect_vowels = settings_.detect_vowels;
  }
  return analysis_->update(buffer_, now_seconds, detect_vowels);
}

LipSyncDiagnostics LipSync::diagnostics() const { return analysis_->diagnostics(); }

void LipSync::reset() { analysis_->reset(); }

}  // namespace tha4::tracking
