#include "plugin/obs/avatar_source.h"

#include "plugin/obs/avatar_hotkeys.h"
#include "plugin/obs/avatar_properties.h"
#include "plugin/obs/plugin_log.h"
#include "plugin/obs/settings_reader.h"
#include "plugin/runtime/runtime_reaper.h"

#include <graphics/graphics.h>
#include <obs-module.h>
#include <util/platform.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

namespace tha4::obs_plugin {
namespace {

constexpr std::uint32_t kDefaultSize = 512;
constexpr double kTrackingFps = 30.0;  // frames of an OBS source handed to the face tracker per second

std::vector<avatar::ExpressionPreset>& presets_storage() {
  static std::vector<avatar::ExpressionPreset> presets;
  return presets;
}

double now_s() { return static_cast<double>(os_gettime_ns()) / 1e9; }  // CLOCK_MONOTONIC, as steady_clock

avatar::LogFunction make_logger(obs_source_t* source) {
  std::string name = obs_source_get_name(source) ? obs_source_get_name(source) : "";
  return [name](avatar::LogLevel level, const std::string& message) {
    const int obs_level = level == avatar::LogLevel::kError     ? LOG_ERROR
                          : level == avatar::LogLevel::kWarning ? LOG_WARNING
                                                                : LOG_INFO;
    THA4_LOG(obs_level, "'%s': %s", name.c_str(), message.c_str());
  };
}

const char* get_name(void*) { return obs_module_text("AvatarSource"); }

void update(void* data, obs_data_t* settings) {
  // On the graphics thread (deferred by OBS) or in create: only record, never load here.
  auto* avatar = static_cast<AvatarSource*>(data);
  const avatar::AvatarSettings s = read_settings(settings);
  avatar->output_scale.store(std::clamp(s.output_scale, 0.05, 8.0));
  avatar->grab_obs_source.store(s.tracking == avatar::TrackingInput::kObsSource);
  avatar->toggle_presets.store(s.preset_hotkey_mode == avatar::PresetHotkeyMode::kToggle);
  avatar->grabber.set_source_name(s.tracking == avatar::TrackingInput::kObsSource ? s.obs_video_source : "");
  avatar->audio->set_source_name(s.lip_sync != avatar::LipSyncMode::kOff ? s.audio_source : "");
  avatar->runtime->apply_settings(s);
}

// OBS's "remove" signal (the source was deleted): stop now, not when libobs gets round to destroying it.
void on_removed(void* data, calldata_t*) { static_cast<AvatarSource*>(data)->runtime->stop(); }

void* create(obs_data_t* settings, obs_source_t* source) {
  auto* avatar = new AvatarSource();
  avatar->source = source;
  avatar->runtime = std::make_unique<avatar::AvatarRuntime>(make_logger(source), module_presets());
  avatar->audio = std::make_unique<AudioCapture>(*avatar->runtime);
  update(avatar, settings);
  register_hotkeys(*avatar);
  signal_handler_connect(obs_source_get_signal_handler(source), "remove", on_removed, avatar);
  return avatar;
}

void destroy(void* data) {
  // On libobs's destruction thread, which destroys sources one at a time: nothing here may wait. Order: stop
  // OBS calling us (signals, hotkeys, audio), hand the runtime to the reaper (it stops at once and is joined
  // there, so nothing is published to us afterwards), then release the GPU objects.
  auto* avatar = static_cast<AvatarSource*>(data);
  signal_handler_disconnect(obs_source_get_signal_handler(avatar->source), "remove", on_removed, avatar);
  unregister_hotkeys(*avatar);
  avatar->audio.reset();
  avatar::retire_runtime(std::move(avatar->runtime));
  avatar->grabber.release_graphics();
  obs_enter_graphics();
  avatar->gpu_frames.release();
  avatar->texture.release();
  obs_leave_graphics();
  delete avatar;
}

void show(void* data) { static_cast<AvatarSource*>(data)->runtime->set_showing(true); }
void hide(void* data) { static_cast<AvatarSource*>(data)->runtime->set_showing(false); }

std::uint32_t scaled(const AvatarSource& avatar, std::uint32_t size) {
  if (size == 0) size = kDefaultSize;
  return static_cast<std::uint32_t>(std::max(1L, std::lround(size * avatar.output_scale.load())));
}
std::uint32_t get_width(void* data) {
  const auto* avatar = static_cast<AvatarSource*>(data);
  return scaled(*avatar, avatar->texture_width.load());
}
std::uint32_t get_height(void* data) {
  const auto* avatar = static_cast<AvatarSource*>(data);
  return scaled(*avatar, avatar->texture_height.load());
}

void upload_newest_frame(AvatarSource& avatar) {
  if (!avatar.runtime->try_take_frame(avatar.frame)) return;  // nothing new, or the worker holds the lock
  const auto width = static_cast<std::uint32_t>(avatar.frame.width);
  const auto height = static_cast<std::uint32_t>(avatar.frame.height);
  if (width == 0 || height == 0) return;
  obs_enter_graphics();
  // A CUDA engine's frame goes GPU to GPU; its host bytes are there only when that cannot work.
  bool shown = avatar.frame.device_frames && avatar.gpu_frames.present(*avatar.frame.device_frames, avatar.texture);
  if (!shown && !avatar.frame.pixels.empty()) shown = avatar.texture.upload(avatar.frame.pixels.data(), width, height);
  obs_leave_graphics();
  if (!shown) return;
  avatar.texture_width.store(width);
  avatar.texture_height.store(height);
  avatar.runtime->frame_shown(avatar.frame, now_s());
  static const std::string kNoGpuPath;  // CPU engines: nothing to say about the texture path
  const std::string& path = avatar.frame.device_frames ? avatar.gpu_frames.path() : kNoGpuPath;
  if (path != avatar.reported_texture_path) {
    avatar.reported_texture_path = path;
    avatar.runtime->set_texture_path(path);
  }
}

void refresh_properties_on_status_change(AvatarSource& avatar, float seconds) {
  // The properties dialog shows the status line; refresh it when something a user must see changed, at
  // most once a second.
  avatar.since_properties_refresh_s += seconds;
  const std::uint64_t generation = avatar.runtime->status_generation();
  if (generation == avatar.shown_status_generation || avatar.since_properties_refresh_s < 1.0) return;
  avatar.shown_status_generation = generation;
  avatar.since_properties_refresh_s = 0.0;
  obs_source_update_properties(avatar.source);
}

// OBS's own load for the frame governor: its mean frame time, its frame interval, the frames it lagged.
avatar::ObsLoad obs_load() {
  avatar::ObsLoad load;
  load.frame_ms = static_cast<double>(obs_get_average_frame_time_ns()) / 1e6;
  load.interval_ms = static_cast<double>(obs_get_frame_interval_ns()) / 1e6;
  load.lagged_frames = obs_get_lagged_frames();
  return load;
}

void video_tick(void* data, float seconds) {
  auto* avatar = static_cast<AvatarSource*>(data);
  avatar->runtime->tick(now_s(), obs_load());
  upload_newest_frame(*avatar);
  if (avatar->grab_obs_source.load()) avatar->grabber.tick(avatar->source, *avatar->runtime, seconds, kTrackingFps);
  avatar->audio->tick(seconds);
  refresh_properties_on_status_change(*avatar, seconds);
}

void video_render(void* data, gs_effect_t* effect) {
  // Draw only. The texture holds premultiplied, sRGB-encoded colour: sample it as sRGB and blend
  // premultiplied in linear light, as OBS's own image source does, so edges and translucent hair composite
  // without dark or bright fringes over any background.
  auto* avatar = static_cast<AvatarSource*>(data);
  gs_texture_t* texture = avatar->texture.current();
  if (!texture) return;
  const bool previous_srgb = gs_framebuffer_srgb_enabled();
  gs_enable_framebuffer_srgb(true);
  gs_blend_state_push();
  gs_blend_function(GS_BLEND_ONE, GS_BLEND_INVSRCALPHA);
  gs_eparam_t* image = gs_effect_get_param_by_name(effect, "image");
  gs_effect_set_texture_srgb(image, texture);
  gs_draw_sprite(texture, 0, get_width(avatar), get_height(avatar));
  gs_blend_state_pop();
  gs_enable_framebuffer_srgb(previous_srgb);
}

}  // namespace

const std::vector<avatar::ExpressionPreset>& module_presets() { return presets_storage(); }

std::string status_text(const avatar::RuntimeStatus& status) {
  std::string text;
  switch (status.state) {
    case avatar::RuntimeState::kNoModel: text = obs_module_text("Status.NoModel"); break;
    case avatar::RuntimeState::kLoading: text = obs_module_text("Status.Loading"); break;
    case avatar::RuntimeState::kRunning: text = obs_module_text("Status.Running"); break;
    case avatar::RuntimeState::kError: text = obs_module_text("Status.Error"); break;
  }
  if (!status.model.empty()) text += ": " + status.model;
  if (status.state == avatar::RuntimeState::kRunning) {
    char numbers[160];
    std::snprintf(numbers, sizeof numbers, obs_module_text("Status.Numbers"), status.engine_fps, status.frame_ms,
                  status.latency_ms);
    text += std::string("\n") + numbers;
  }
  if (!status.tracking.empty() || status.tracking_paused) {
    text += std::string("\n") + obs_module_text("Status.Tracking") + ": " +
            (status.tracking_paused ? obs_module_text("Status.TrackingPaused") : status.tracking);
  }
  if (!status.distillation.empty()) {
    text += std::string("\n") + obs_module_text("Status.Distillation") + ": " + status.distillation;
  }
  if (status.state == avatar::RuntimeState::kRunning && !status.governor.empty()) {
    char obs_frame[80] = "";
    if (status.obs_frame_ms > 0.0) {
      std::snprintf(obs_frame, sizeof obs_frame, obs_module_text("Status.ObsFrame"), status.obs_frame_ms);
    }
    text += std::string("\n") + obs_module_text("Status.Governor") + ": " + status.governor +
            (obs_frame[0] ? std::string("; ") + obs_frame : std::string());
  }
  if (!status.texture_path.empty()) {
    text += std::string("\n") + obs_module_text("Status.Texture") + ": " + status.texture_path;
  }
  if (!status.warning.empty()) text += std::string("\n") + obs_module_text("Status.Warning") + ": " + status.warning;
  if (!status.error.empty()) text += std::string("\n") + obs_module_text("Status.Problem") + ": " + status.error;
  return text;
}

void register_avatar_source(std::vector<avatar::ExpressionPreset> presets) {
  presets_storage() = std::move(presets);
  obs_source_info info = {};
  info.id = kAvatarSourceId;
  info.type = OBS_SOURCE_TYPE_INPUT;
  // SRGB: the texture is sampled as sRGB (see video_render). DO_NOT_DUPLICATE: the source owns a camera or
  // a network port and a model; a duplicate would fight over them.
  info.output_flags = OBS_SOURCE_VIDEO | OBS_SOURCE_SRGB | OBS_SOURCE_DO_NOT_DUPLICATE;
  info.get_name = get_name;
  info.create = create;
  info.destroy = destroy;
  info.update = update;
  info.show = show;
  info.hide = hide;
  info.get_defaults = set_default_settings;
  info.get_properties = get_avatar_properties;
  info.get_width = get_width;
  info.get_height = get_height;
  info.video_tick = video_tick;
  info.video_render = video_render;
  obs_register_source(&info);
}

}  // namespace tha4::obs_plugin
