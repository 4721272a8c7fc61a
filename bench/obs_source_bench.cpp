// tha4_obs_bench: what the avatar source costs OBS, measured in a headless libobs (run it under xvfb-run):
// OBS's frame time with and without the avatar in the scene, the avatar's own frame rate and render time,
// and the latency from composing a pose to that frame being on the source's GPU texture.
//
//   xvfb-run -a build/default/bench/tha4_obs_bench [--seconds 10] [--engine cpu_fast] [--threads 0]
#include "tests/obs/obs_host.h"

#include <obs-module.h>
#include <util/platform.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace tha4::obs_test;

struct Sample {
  double average_frame_ms = 0.0;  // OBS's own average time to render a frame
  std::uint32_t frames = 0;
  std::uint32_t lagged = 0;
  double output_fps = 0.0;
};

// Runs OBS with `scene` on the output for `seconds` and reads OBS's counters.
Sample measure(obs_source_t* scene, double seconds) {
  obs_set_output_source(0, scene);
  std::this_thread::sleep_for(std::chrono::seconds(2));  // warm-up: model loaded, caches filled
  OutputCapture capture;
  const std::uint32_t total = obs_get_total_frames();
  const std::uint32_t lagged = obs_get_lagged_frames();
  std::vector<double> averages;
  const auto start = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - start < std::chrono::duration<double>(seconds)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    averages.push_back(obs_get_average_frame_time_ns() / 1e6);
  }
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  Sample sample;
  std::nth_element(averages.begin(), averages.begin() + averages.size() / 2, averages.end());
  sample.average_frame_ms = averages[averages.size() / 2];
  sample.frames = obs_get_total_frames() - total;
  sample.lagged = obs_get_lagged_frames() - lagged;
  sample.output_fps = capture.frames() / elapsed;
  obs_set_output_source(0, nullptr);
  return sample;
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 10.0;
  std::string engine = "cpu_fast";
  int threads = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--seconds")) seconds = std::atof(argv[i + 1]);
    if (!std::strcmp(argv[i], "--engine")) engine = argv[i + 1];
    if (!std::strcmp(argv[i], "--threads")) threads = std::atoi(argv[i + 1]);
  }
  try {
    ObsHost::get();
    obs_scene_t* scene = obs_scene_create("bench");
    obs_data_t* color = obs_data_create();
    obs_data_set_int(color, "color", 0xFF805030);
    obs_data_set_int(color, "width", kCanvas);
    obs_data_set_int(color, "height", kCanvas);
    obs_source_t* background = obs_source_create(obs_get_latest_input_type_id("color_source"), "bg", color, nullptr);
    obs_data_release(color);
    obs_scene_add(scene, background);

    const Sample without = measure(obs_scene_get_source(scene), seconds);

    obs_data_t* settings = obs_data_create();
    obs_data_set_string(settings, "model_folder", model_folder("lambda_00").c_str());
    obs_data_set_string(settings, "engine", engine.c_str());
    obs_data_set_int(settings, "cpu_threads", threads);
    obs_data_set_double(settings, "breaths_per_minute", 60.0);  // a new pose every frame: no cache helps
    obs_data_set_bool(settings, "auto_blink", true);
    obs_source_t* avatar = obs_source_create("tha4_avatar_source", "avatar", settings, nullptr);
    obs_data_release(settings);
    obs_scene_add(scene, avatar);
    const Sample with = measure(obs_scene_get_source(scene), seconds);
    const std::string status = status_line(avatar);

    // The same avatar holding still: the worker renders nothing, so what remains is OBS drawing the texture
    // (on this machine: software GL, which costs CPU like everything else).
    obs_data_t* still = obs_data_create();
    obs_data_set_double(still, "breaths_per_minute", 0.0);
    obs_data_set_bool(still, "auto_blink", false);
    obs_source_update(avatar, still);
    obs_data_release(still);
    const Sample idle = measure(obs_scene_get_source(scene), seconds);

    double fps = 0.0;
    double frame_ms = 0.0;
    double latency_ms = 0.0;
    const std::size_t line = status.find('\n');
    if (line != std::string::npos)
      std::sscanf(status.c_str() + line + 1, "%lf frames/s, %lf ms per frame, %lf ms", &fps, &frame_ms, &latency_ms);

    std::printf("OBS 512x512 @ 30 fps, software GL (llvmpipe), %.0f s per run, engine %s\n", seconds, engine.c_str());
    std::printf("%-34s %14s %12s %10s\n", "scene", "OBS frame ms", "output fps", "lagged");
    std::printf("%-34s %14.2f %12.1f %10u\n", "colour background only", without.average_frame_ms, without.output_fps,
                without.lagged);
    std::printf("%-34s %14.2f %12.1f %10u\n", "colour + THA4 Avatar (animating)", with.average_frame_ms,
                with.output_fps, with.lagged);
    std::printf("%-34s %14.2f %12.1f %10u\n", "colour + THA4 Avatar (holding still)", idle.average_frame_ms,
                idle.output_fps, idle.lagged);
    std::printf("avatar: %.1f frames/s, %.1f ms median render, %.0f ms median pose-to-texture latency\n", fps, frame_ms,
                latency_ms);
    std::printf("status: %s\n", status.c_str());

    obs_source_release(avatar);
    obs_source_release(background);
    obs_scene_release(scene);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tha4_obs_bench: %s\n", e.what());
    return 1;
  }
  ObsHost::shutdown();
  return 0;
}
