#pragma once
// The "THA4 Avatar" OBS source: a synchronous video source that owns an avatar runtime and its texture.
// video_tick puts the newest finished frame (taken without waiting) into the texture, from host memory or,
// for the CUDA engine, GPU to GPU; video_render only draws.

#include "plugin/obs/audio_capture.h"
#include "plugin/obs/avatar_texture.h"
#include "plugin/obs/gpu_frame_presenter.h"
#include "plugin/obs/source_frame_grabber.h"
#include "plugin/runtime/avatar_runtime.h"

#include <obs.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace tha4::obs_plugin {

inline constexpr const char* kAvatarSourceId = "tha4_avatar_source";

struct HotkeyBinding;

struct AvatarSource {
  obs_source_t* source = nullptr;
  std::unique_ptr<avatar::AvatarRuntime> runtime;
  std::unique_ptr<AudioCapture> audio;
  SourceFrameGrabber grabber;
  std::vector<std::unique_ptr<HotkeyBinding>> hotkeys;

  // Written by update (any thread), read by the graphics thread.
  std::atomic<double> output_scale{1.0};
  std::atomic<bool> grab_obs_source{false};
  std::atomic<bool> toggle_presets{false};

  // Graphics thread only.
  AvatarTexture texture;
  GpuFramePresenter gpu_frames;
  std::string reported_texture_path;
  avatar::AvatarFrame frame;
  std::atomic<std::uint32_t> texture_width{0};
  std::atomic<std::uint32_t> texture_height{0};
  std::uint64_t shown_status_generation = 0;
  double since_properties_refresh_s = 0.0;
};

// Registers the source type with OBS. `presets` are the expression presets of data/expressions.txt.
void register_avatar_source(std::vector<avatar::ExpressionPreset> presets);

// The expression presets every source uses (read once at module load).
const std::vector<avatar::ExpressionPreset>& module_presets();

// The status line of the properties, in the user's language.
std::string status_text(const avatar::RuntimeStatus& status);

}  // namespace tha4::obs_plugin
