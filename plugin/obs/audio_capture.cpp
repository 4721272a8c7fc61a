#include "plugin/obs/audio_capture.h"

#include "plugin/obs/plugin_log.h"
#include "plugin/runtime/avatar_runtime.h"

#include <media-io/audio-io.h>

namespace tha4::obs_plugin {

AudioCapture::~AudioCapture() { detach(); }

void AudioCapture::set_source_name(const std::string& name) {
  std::lock_guard<std::mutex> lock(name_mutex_);
  wanted_name_ = name;
}

void AudioCapture::detach() {
  if (!attached_) return;
  if (obs_source_t* source = obs_weak_source_get_source(attached_)) {
    // Takes the source's audio-callback lock: no call of ours is running once it returns.
    obs_source_remove_audio_capture_callback(source, &AudioCapture::on_audio, this);
    obs_source_release(source);
  }
  obs_weak_source_release(attached_);
  attached_ = nullptr;
}

void AudioCapture::tick(float seconds) {
  since_resolve_s_ += seconds;
  std::string wanted;
  {
    std::lock_guard<std::mutex> lock(name_mutex_);
    wanted = wanted_name_;
  }
  const bool name_changed = wanted != attached_name_;
  const bool source_gone = attached_ && obs_weak_source_expired(attached_);
  if (!name_changed && !source_gone && (attached_ || since_resolve_s_ < 1.0)) return;
  since_resolve_s_ = 0.0;
  if (name_changed || source_gone) detach();
  attached_name_ = wanted;
  if (wanted.empty() || attached_) return;
  obs_source_t* source = obs_get_source_by_name(wanted.c_str());
  if (source && (obs_source_get_output_flags(source) & OBS_SOURCE_AUDIO) != 0) {
    obs_source_add_audio_capture_callback(source, &AudioCapture::on_audio, this);
    attached_ = obs_source_get_weak_source(source);
    THA4_LOG(LOG_INFO, "lip sync listens to '%s'", wanted.c_str());
  }
  obs_source_release(source);
}

void AudioCapture::on_audio(void* param, obs_source_t*, const struct audio_data* audio, bool muted) {
  if (muted || !audio || audio->frames == 0) return;  // a muted microphone closes the mouth (no audio = silence)
  auto* self = static_cast<AudioCapture*>(param);
  audio_t* output = obs_get_audio();
  if (!output) return;
  const int channels = static_cast<int>(audio_output_get_channels(output));
  const int sample_rate = static_cast<int>(audio_output_get_sample_rate(output));
  // OBS's internal audio is planar float, one plane per channel.
  const float* planes[MAX_AV_PLANES] = {};
  for (int c = 0; c < channels && c < MAX_AV_PLANES; ++c) planes[c] = reinterpret_cast<const float*>(audio->data[c]);
  self->runtime_.submit_audio(planes, channels, static_cast<int>(audio->frames), sample_rate);
}

}  // namespace tha4::obs_plugin
