#pragma once
// A headless libobs host for the plugin tests: starts libobs on the X display (Xvfb in CI) with software GL,
// loads OBS's image-source module and our plugin from its OBS layout in the build tree, and reads pixels
// back (offscreen, or from OBS's real output pipeline). OBS headers only: no LibTorch or OpenCV here.

#include "tests/obs/test_image.h"

#include <obs.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

namespace tha4::obs_test {

class ObsHost {
 public:
  // Starts libobs on first use; throws std::runtime_error when it cannot (no X display, no GL).
  static ObsHost& get();
  // Shuts libobs down (if it was started) and returns libobs's count of leaked allocations.
  static long shutdown();

  // Renders `source` alone into a w×h RGBA texture cleared to transparent and reads it back.
  Image render_offscreen(obs_source_t* source, std::uint32_t width = kCanvas, std::uint32_t height = kCanvas);

  // The plugin's files.
  static std::string plugin_binary();
  static std::string plugin_data();

 private:
  ObsHost();
  void* display_ = nullptr;
  std::string config_dir_;
};

// Frames of OBS's main output (BGRA in libobs 29, converted to RGBA here), from a raw video callback.
class OutputCapture {
 public:
  OutputCapture();
  ~OutputCapture();
  // Waits for `count` frames after now; false on timeout.
  bool wait_frames(int count, std::chrono::milliseconds timeout);
  Image latest();
  int frames();

 private:
  static void on_frame(void* param, struct video_data* frame);
  std::mutex mutex_;
  std::condition_variable arrived_;
  Image latest_;
  int frames_ = 0;
};

// The avatar source's status line, as its properties dialog shows it ("" when there is none).
std::string status_line(obs_source_t* source);

// Polls `done` every 20 ms until it holds or `timeout` passes.
bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout);

// A source with settings; released on destruction.
class SourceRef {
 public:
  SourceRef(const char* id, const char* name, obs_data_t* settings);
  ~SourceRef();
  SourceRef(const SourceRef&) = delete;
  SourceRef& operator=(const SourceRef&) = delete;
  obs_source_t* get() const { return source_; }
  void update(const std::function<void(obs_data_t*)>& change);

 private:
  obs_source_t* source_ = nullptr;
};

// Settings helper: obs_data_t owned by a unique handle.
struct DataDeleter {
  void operator()(obs_data_t* data) const { obs_data_release(data); }
};

}  // namespace tha4::obs_test
