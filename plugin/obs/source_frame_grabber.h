#pragma once
// Reads the frames of another OBS video source (a webcam already in the scene) for the face tracker,
// without ever stalling OBS's graphics thread: each grab renders the source, scaled down, into a small
// texrender and copies it to a staging surface; the copy is mapped one grab later, when the GPU has long
// finished it, and handed to the tracker (which copies it and returns at once).

#include <obs.h>

#include <array>
#include <cstdint>
#include <mutex>
#include <string>

namespace tha4::avatar {
class AvatarRuntime;
}

namespace tha4::obs_plugin {

class SourceFrameGrabber {
 public:
  SourceFrameGrabber() = default;
  ~SourceFrameGrabber();  // releases the source reference; graphics objects must be gone (release_graphics)
  SourceFrameGrabber(const SourceFrameGrabber&) = delete;
  SourceFrameGrabber& operator=(const SourceFrameGrabber&) = delete;

  // Any thread: the source to read ("" stops reading).
  void set_source_name(const std::string& name);
  // Graphics thread, from video_tick (outside the graphics context): grabs at most `max_fps` frames a
  // second. `self` is never read (choosing the avatar itself would feed it back into itself).
  void tick(obs_source_t* self, avatar::AvatarRuntime& runtime, float seconds, double max_fps);
  // Destroys the texrender and staging surfaces (enters the graphics context itself).
  void release_graphics();

 private:
  obs_source_t* resolve_source(obs_source_t* self);

  std::mutex name_mutex_;
  std::string wanted_name_;
  std::string resolved_name_;
  obs_weak_source_t* weak_source_ = nullptr;
  double since_resolve_s_ = 1e9;
  double since_grab_s_ = 1e9;

  gs_texrender_t* texrender_ = nullptr;
  struct Staged {
    gs_stagesurf_t* surface = nullptr;
    std::uint32_t width = 0;
    std::uint32_t height = 0;
    double timestamp_s = 0.0;
    bool pending = false;  // copied and not yet mapped
  };
  std::array<Staged, 2> staged_{};
  std::size_t next_ = 0;
};

}  // namespace tha4::obs_plugin
