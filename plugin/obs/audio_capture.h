#pragma once
// Feeds the audio of one OBS source (a microphone) to the lip sync. OBS calls our callback on its audio
// thread with planar float audio; the runtime only copies it there, the analysis runs on the worker.

#include <obs.h>

#include <mutex>
#include <string>

namespace tha4::avatar {
class AvatarRuntime;
}

namespace tha4::obs_plugin {

class AudioCapture {
 public:
  explicit AudioCapture(avatar::AvatarRuntime& runtime) : runtime_(runtime) {}
  ~AudioCapture();  // detaches: after it returns OBS makes no more calls into the runtime
  AudioCapture(const AudioCapture&) = delete;
  AudioCapture& operator=(const AudioCapture&) = delete;

  // Any thread: the source to listen to ("" stops listening).
  void set_source_name(const std::string& name);
  // Graphics thread, from video_tick: attaches to the named source, and re-resolves the name now and then
  // (the source may be created or renamed after the avatar).
  void tick(float seconds);

 private:
  static void on_audio(void* param, obs_source_t* source, const struct audio_data* audio, bool muted);
  void detach();

  avatar::AvatarRuntime& runtime_;
  std::mutex name_mutex_;
  std::string wanted_name_;
  std::string attached_name_;
  obs_weak_source_t* attached_ = nullptr;
  double since_resolve_s_ = 1e9;
};

}  // namespace tha4::obs_plugin
