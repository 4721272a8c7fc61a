#include "plugin/obs/source_frame_grabber.h"

#include "plugin/runtime/avatar_runtime.h"

#include <graphics/graphics.h>
#include <graphics/vec4.h>
#include <util/platform.h>

#include <algorithm>
#include <cmath>

namespace tha4::obs_plugin {
namespace {

// Face tracking needs no more: the tracker scales wider frames down to 640 anyway.
constexpr std::uint32_t kMaxWidth = 640;

double steady_seconds_now() { return static_cast<double>(os_gettime_ns()) / 1e9; }

}  // namespace

SourceFrameGrabber::~SourceFrameGrabber() { obs_weak_source_release(weak_source_); }

void SourceFrameGrabber::set_source_name(const std::string& name) {
  std::lock_guard<std::mutex> lock(name_mutex_);
  wanted_name_ = name;
}

obs_source_t* SourceFrameGrabber::resolve_source(obs_source_t* self) {
  std::string wanted;
  {
    std::lock_guard<std::mutex> lock(name_mutex_);
    wanted = wanted_name_;
  }
  // Look the name up again now and then: the source may be created, renamed, or removed and added back
  // later (a weak reference to a removed source stays set but expired).
  const bool missing = !weak_source_ || obs_weak_source_expired(weak_source_);
  if (wanted != resolved_name_ || (missing && since_resolve_s_ > 1.0)) {
    obs_weak_source_release(weak_source_);
    weak_source_ = nullptr;
    resolved_name_ = wanted;
    since_resolve_s_ = 0.0;
    if (!wanted.empty()) {
      obs_source_t* found = obs_get_source_by_name(wanted.c_str());
      if (found && found != self) weak_source_ = obs_source_get_weak_source(found);
      obs_source_release(found);
    }
  }
  return weak_source_ ? obs_weak_source_get_source(weak_source_) : nullptr;
}

void SourceFrameGrabber::tick(obs_source_t* self, avatar::AvatarRuntime& runtime, float seconds, double max_fps) {
  since_resolve_s_ += seconds;
  since_grab_s_ += seconds;
  const bool grab_now = since_grab_s_ + 1e-3 >= 1.0 / max_fps;
  const bool has_pending = std::any_of(staged_.begin(), staged_.end(), [](const Staged& s) { return s.pending; });
  if (!grab_now && !has_pending) return;

  obs_source_t* source = grab_now ? resolve_source(self) : nullptr;
  const std::uint32_t source_width = source ? obs_source_get_width(source) : 0;
  const std::uint32_t source_height = source ? obs_source_get_height(source) : 0;

  obs_enter_graphics();
  // Map the copy made one grab ago: the GPU has finished it, so mapping does not wait.
  for (Staged& staged : staged_) {
    if (!staged.pending) continue;
    staged.pending = false;
    std::uint8_t* data = nullptr;
    std::uint32_t linesize = 0;
    if (gs_stagesurface_map(staged.surface, &data, &linesize)) {
      runtime.submit_video_frame(data, static_cast<int>(staged.width), static_cast<int>(staged.height),
                                 static_cast<int>(linesize), staged.timestamp_s);
      gs_stagesurface_unmap(staged.surface);
    }
  }
  if (source && source_width > 0 && source_height > 0) {
    since_grab_s_ = 0.0;
    const double scale = std::min(1.0, static_cast<double>(kMaxWidth) / source_width);
    const auto width = std::max<std::uint32_t>(1, static_cast<std::uint32_t>(std::lround(source_width * scale)));
    const auto height = std::max<std::uint32_t>(1, static_cast<std::uint32_t>(std::lround(source_height * scale)));
    if (!texrender_) texrender_ = gs_texrender_create(GS_BGRA, GS_ZS_NONE);
    Staged& staged = staged_[next_];
    next_ = (next_ + 1) % staged_.size();
    if (staged.surface && (staged.width != width || staged.height != height)) {
      gs_stagesurface_destroy(staged.surface);
      staged.surface = nullptr;
    }
    if (!staged.surface) {
      staged.surface = gs_stagesurface_create(width, height, GS_BGRA);
      staged.width = width;
      staged.height = height;
    }
    gs_texrender_reset(texrender_);
    if (staged.surface && gs_texrender_begin(texrender_, width, height)) {
      vec4 clear;
      vec4_zero(&clear);
      gs_clear(GS_CLEAR_COLOR, &clear, 0.0f, 0);
      gs_ortho(0.0f, static_cast<float>(source_width), 0.0f, static_cast<float>(source_height), -100.0f, 100.0f);
      gs_enable_depth_test(false);
      gs_set_cull_mode(GS_NEITHER);
      gs_blend_state_push();
      gs_blend_function(GS_BLEND_ONE, GS_BLEND_ZERO);
      obs_source_video_render(source);
      gs_blend_state_pop();
      gs_texrender_end(texrender_);
      gs_stage_texture(staged.surface, gs_texrender_get_texture(texrender_));
      staged.timestamp_s = steady_seconds_now();
      staged.pending = true;
    }
  }
  obs_leave_graphics();
  obs_source_release(source);
}

void SourceFrameGrabber::release_graphics() {
  obs_enter_graphics();
  gs_texrender_destroy(texrender_);
  texrender_ = nullptr;
  for (Staged& staged : staged_) {
    gs_stagesurface_destroy(staged.surface);
    staged = Staged{};
  }
  obs_leave_graphics();
}

}  // namespace tha4::obs_plugin
