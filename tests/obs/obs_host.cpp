#include "tests/obs/obs_host.h"

#include <graphics/graphics.h>
#include <graphics/vec4.h>
#include <obs-module.h>
#include <obs-nix-platform.h>
#include <util/base.h>
#include <util/bmem.h>
#include <util/platform.h>

#include <X11/Xlib.h>

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <thread>

namespace tha4::obs_test {
namespace {

ObsHost* g_host = nullptr;

void log_handler(int level, const char* format, va_list args, void*) {
  // Keep warnings and errors, and every line of ours, so a failing test shows why.
  char line[4096];
  std::vsnprintf(line, sizeof line, format, args);
  if (level <= LOG_WARNING || std::strstr(line, "[tha4-avatar]") || std::getenv("THA4_OBS_VERBOSE")) {
    std::fprintf(stderr, "[obs] %s\n", line);
  }
}

void load_module(const std::string& binary, const std::string& data) {
  obs_module_t* module = nullptr;
  const int result = obs_open_module(&module, binary.c_str(), data.c_str());
  if (result != MODULE_SUCCESS || !module || !obs_init_module(module)) {
    throw std::runtime_error("cannot load the OBS module " + binary + " (obs_open_module " + std::to_string(result) +
                             ")");
  }
}

}  // namespace

std::string ObsHost::plugin_binary() { return std::string(THA4_PLUGIN_ROOT) + "/bin/64bit/tha4-avatar.so"; }
std::string ObsHost::plugin_data() { return std::string(THA4_PLUGIN_ROOT) + "/data"; }

ObsHost& ObsHost::get() {
  if (!g_host) g_host = new ObsHost();
  return *g_host;
}

ObsHost::ObsHost() {
  base_set_log_handler(log_handler, nullptr);
  Display* display = XOpenDisplay(nullptr);
  if (!display) throw std::runtime_error("no X display: run the OBS tests under xvfb-run");
  display_ = display;
  obs_set_nix_platform(OBS_NIX_PLATFORM_X11_EGL);
  obs_set_nix_platform_display(display);

  // A module config dir of our own: with NULL, libobs 29 makes module config paths relative to the cwd.
  char config_template[] = "/tmp/tha4-obs-test.XXXXXX";
  const char* config = mkdtemp(config_template);
  if (!config) throw std::runtime_error("mkdtemp failed");
  config_dir_ = config;
  if (!obs_startup("en-US", config_dir_.c_str(), nullptr)) {
    // libobs 29 crashes in obs_shutdown after a failed startup: do not shut down.
    throw std::runtime_error("obs_startup failed");
  }
  obs_video_info video = {};
  video.graphics_module = "libobs-opengl";
  video.fps_num = 30;
  video.fps_den = 1;
  video.base_width = video.output_width = kCanvas;
  video.base_height = video.output_height = kCanvas;
  video.output_format = VIDEO_FORMAT_BGRA;  // RGBA output is black in 29.0.2 (see the plugin notes)
  video.gpu_conversion = true;
  video.colorspace = VIDEO_CS_SRGB;
  video.range = VIDEO_RANGE_FULL;
  video.scale_type = OBS_SCALE_BILINEAR;
  const int reset = obs_reset_video(&video);
  if (reset != OBS_VIDEO_SUCCESS) throw std::runtime_error("obs_reset_video failed: " + std::to_string(reset));
  obs_audio_info audio = {};
  audio.samples_per_sec = 48000;
  audio.speakers = SPEAKERS_STEREO;
  if (!obs_reset_audio(&audio)) throw std::runtime_error("obs_reset_audio failed");
  load_module("/usr/lib/x86_64-linux-gnu/obs-plugins/image-source.so", "/usr/share/obs/obs-plugins/image-source");
  load_module("/usr/lib/x86_64-linux-gnu/obs-plugins/obs-filters.so", "/usr/share/obs/obs-plugins/obs-filters");
  load_module(plugin_binary(), plugin_data());
}

long ObsHost::shutdown() {
  if (!g_host) return bnum_allocs();
  obs_set_output_source(0, nullptr);
  obs_shutdown();
  XCloseDisplay(static_cast<Display*>(g_host->display_));
  std::error_code error;
  std::filesystem::remove_all(g_host->config_dir_, error);
  delete g_host;
  g_host = nullptr;
  return bnum_allocs();
}

Image ObsHost::render_offscreen(obs_source_t* source, std::uint32_t width, std::uint32_t height) {
  Image image;
  obs_enter_graphics();
  gs_texrender_t* target = gs_texrender_create(GS_RGBA, GS_ZS_NONE);
  gs_stagesurf_t* stage = gs_stagesurface_create(width, height, GS_RGBA);
  if (target && stage && gs_texrender_begin(target, width, height)) {
    vec4 clear;
    vec4_zero(&clear);
    gs_clear(GS_CLEAR_COLOR, &clear, 0.0f, 0);
    gs_ortho(0.0f, static_cast<float>(width), 0.0f, static_cast<float>(height), -100.0f, 100.0f);
    // We render outside OBS's frame loop on its shared context: set the state its render_video() sets
    // (otherwise the cull mode can still be GS_BACK and the sprite is culled).
    gs_enable_depth_test(false);
    gs_set_cull_mode(GS_NEITHER);
    gs_blend_state_push();
    gs_reset_blend_state();
    obs_source_video_render(source);
    gs_blend_state_pop();
    gs_texrender_end(target);
    gs_stage_texture(stage, gs_texrender_get_texture(target));
    std::uint8_t* data = nullptr;
    std::uint32_t linesize = 0;
    if (gs_stagesurface_map(stage, &data, &linesize)) {
      image.width = static_cast<int>(width);
      image.height = static_cast<int>(height);
      image.rgba.resize(static_cast<std::size_t>(width) * height * 4);
      for (std::uint32_t y = 0; y < height; ++y) {
        std::memcpy(&image.rgba[static_cast<std::size_t>(y) * width * 4], data + static_cast<std::size_t>(y) * linesize,
                    width * 4);
      }
      gs_stagesurface_unmap(stage);
    }
  }
  gs_stagesurface_destroy(stage);
  gs_texrender_destroy(target);
  obs_leave_graphics();
  return image;
}

OutputCapture::OutputCapture() { obs_add_raw_video_callback(nullptr, &OutputCapture::on_frame, this); }
OutputCapture::~OutputCapture() { obs_remove_raw_video_callback(&OutputCapture::on_frame, this); }

void OutputCapture::on_frame(void* param, struct video_data* frame) {
  auto* self = static_cast<OutputCapture*>(param);
  video_t* video = obs_get_video();
  const video_output_info* info = video ? video_output_get_info(video) : nullptr;
  if (!info) return;
  std::lock_guard<std::mutex> lock(self->mutex_);
  Image& image = self->latest_;
  image.width = static_cast<int>(info->width);
  image.height = static_cast<int>(info->height);
  image.rgba.resize(static_cast<std::size_t>(image.width) * image.height * 4);
  for (int y = 0; y < image.height; ++y) {
    const std::uint8_t* row = frame->data[0] + static_cast<std::size_t>(y) * frame->linesize[0];
    for (int x = 0; x < image.width; ++x) {
      std::uint8_t* out = &image.rgba[(static_cast<std::size_t>(y) * image.width + x) * 4];
      out[0] = row[x * 4 + 2];
      out[1] = row[x * 4 + 1];
      out[2] = row[x * 4 + 0];
      out[3] = row[x * 4 + 3];
    }
  }
  ++self->frames_;
  self->arrived_.notify_all();
}

bool OutputCapture::wait_frames(int count, std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mutex_);
  const int target = frames_ + count;
  return arrived_.wait_for(lock, timeout, [&] { return frames_ >= target; });
}

Image OutputCapture::latest() {
  std::lock_guard<std::mutex> lock(mutex_);
  return latest_;
}

int OutputCapture::frames() {
  std::lock_guard<std::mutex> lock(mutex_);
  return frames_;
}

std::string status_line(obs_source_t* source) {
  obs_properties_t* props = obs_source_properties(source);
  obs_property_t* status = obs_properties_get(props, "status");
  std::string text = status ? obs_property_description(status) : "";
  obs_properties_destroy(props);
  return text;
}

bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return done();
}

SourceRef::SourceRef(const char* id, const char* name, obs_data_t* settings) {
  source_ = obs_source_create(id, name, settings, nullptr);
  if (!source_) throw std::runtime_error(std::string("obs_source_create failed for ") + id);
}

SourceRef::~SourceRef() { obs_source_release(source_); }

void SourceRef::update(const std::function<void(obs_data_t*)>& change) {
  obs_data_t* settings = obs_data_create();
  change(settings);
  obs_source_update(source_, settings);
  obs_data_release(settings);
}

}  // namespace tha4::obs_test
