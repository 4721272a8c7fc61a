// tha4_obs_bench: what the avatar source costs OBS, measured in a headless libobs (run it under xvfb-run):
// OBS's frame time with and without the avatar in the scene, the avatar's own frame rate and render time,
// and the latency from composing a pose to that frame being on the source's GPU texture; then the same
// under an artificial load (busy-loop processes on the same cores, standing in for a game) with the frame
// governor off and on.
//
//   xvfb-run -a build/default/bench/tha4_obs_bench [--seconds 10] [--engine cpu_fast] [--threads 0]
//                                                  [--load N (busy loops; default: one per hardware thread)]
#include "tests/obs/obs_host.h"

#include <obs-module.h>
#include <util/platform.h>

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <utility>
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
Sample measure(obs_source_t* scene, double seconds, double warm_up_seconds = 2.0) {
  obs_set_output_source(0, scene);
  // Warm-up: model loaded, caches filled, the governor settled.
  std::this_thread::sleep_for(std::chrono::duration<double>(warm_up_seconds));
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

// `count` processes that spin on the CPU until destroyed: the game the stream is of, as far as the CPU sees.
class BusyLoops {
 public:
  explicit BusyLoops(int count) {
    char sh[] = "sh", dash_c[] = "-c", loop[] = "while :; do :; done";
    char* args[] = {sh, dash_c, loop, nullptr};
    for (int i = 0; i < count; ++i) {
      pid_t pid = 0;
      if (posix_spawnp(&pid, "sh", nullptr, nullptr, args, environ) == 0) pids_.push_back(pid);
    }
  }
  ~BusyLoops() {
    for (const pid_t pid : pids_) kill(pid, SIGKILL);
    for (const pid_t pid : pids_) waitpid(pid, nullptr, 0);
  }
  BusyLoops(const BusyLoops&) = delete;
  BusyLoops& operator=(const BusyLoops&) = delete;
  int count() const { return static_cast<int>(pids_.size()); }
  // CPU seconds the loops have had so far (utime + stime from /proc/PID/stat): what the "game" got.
  double cpu_seconds() const {
    double total = 0.0;
    for (const pid_t pid : pids_) {
      std::FILE* file = std::fopen(("/proc/" + std::to_string(pid) + "/stat").c_str(), "r");
      if (!file) continue;
      char line[1024] = "";
      const bool read = std::fgets(line, sizeof line, file) != nullptr;
      std::fclose(file);
      const char* after_name = read ? std::strrchr(line, ')') : nullptr;  // the name may hold spaces
      unsigned long user = 0, system = 0;
      if (after_name &&
          std::sscanf(after_name + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &user, &system) == 2) {
        total += static_cast<double>(user + system) / static_cast<double>(sysconf(_SC_CLK_TCK));
      }
    }
    return total;
  }

 private:
  std::vector<pid_t> pids_;
};

// What the avatar's status line says of itself.
struct AvatarNumbers {
  double fps = 0.0, frame_ms = 0.0, latency_ms = 0.0;
  std::string governor;
};

AvatarNumbers avatar_numbers(obs_source_t* avatar) {
  const std::string status = status_line(avatar);
  AvatarNumbers numbers;
  const std::size_t line = status.find('\n');
  if (line != std::string::npos) {
    std::sscanf(status.c_str() + line + 1, "%lf frames/s, %lf ms per frame, %lf ms", &numbers.fps, &numbers.frame_ms,
                &numbers.latency_ms);
  }
  const std::size_t governor = status.find("Governor: ");
  if (governor != std::string::npos) {
    const std::size_t end = status.find('\n', governor);
    numbers.governor = status.substr(governor + 10, end == std::string::npos ? std::string::npos : end - governor - 10);
  }
  return numbers;
}

void update_avatar(obs_source_t* avatar, const std::function<void(obs_data_t*)>& change) {
  obs_data_t* settings = obs_data_create();
  change(settings);
  obs_source_update(avatar, settings);
  obs_data_release(settings);
}

void print_row(const char* scene, const Sample& sample, const AvatarNumbers* avatar, double game_cores = -1.0) {
  std::printf("%-40s %8.2f %8.1f %7u", scene, sample.average_frame_ms, sample.output_fps, sample.lagged);
  if (game_cores >= 0.0) {
    std::printf(" %6.2f", game_cores);
  } else {
    std::printf(" %6s", "-");
  }
  if (avatar) std::printf(" %7.1f %8.0f   %s", avatar->fps, avatar->latency_ms, avatar->governor.c_str());
  std::printf("\n");
}

// Runs `measure` and returns, beside its sample, the cores the busy loops had meanwhile.
template <class Measure>
std::pair<Sample, double> measure_with_game(const BusyLoops& loops, Measure&& run) {
  const double cpu_before = loops.cpu_seconds();
  const auto start = std::chrono::steady_clock::now();
  const Sample sample = run();
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return {sample, (loops.cpu_seconds() - cpu_before) / elapsed};
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 10.0;
  std::string engine = "cpu_fast";
  int threads = 0;
  int load = static_cast<int>(std::thread::hardware_concurrency());
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--seconds")) seconds = std::atof(argv[i + 1]);
    if (!std::strcmp(argv[i], "--engine")) engine = argv[i + 1];
    if (!std::strcmp(argv[i], "--threads")) threads = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--load")) load = std::atoi(argv[i + 1]);
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
    obs_source_t* scene_source = obs_scene_get_source(scene);

    std::printf("OBS 512x512 @ 30 fps, software GL (llvmpipe), %.0f s per run, engine %s, %u hardware threads\n",
                seconds, engine.c_str(), std::thread::hardware_concurrency());
    std::printf("%-40s %8s %8s %7s %6s %7s %8s   %s\n", "scene", "OBS ms", "out fps", "lagged", "game", "avatar",
                "latency", "governor");
    std::printf(
        "(OBS ms: OBS's median average frame time; game: CPU cores the busy loops got; avatar: its frames/s;\n"
        " latency: median ms from pose to texture)\n");
    std::fflush(stdout);
    const Sample without = measure(scene_source, seconds);
    print_row("colour background only", without, nullptr);

    obs_data_t* settings = obs_data_create();
    obs_data_set_string(settings, "model_folder", model_folder("lambda_00").c_str());
    obs_data_set_string(settings, "engine", engine.c_str());
    obs_data_set_int(settings, "cpu_threads", threads);
    obs_data_set_double(settings, "breaths_per_minute", 60.0);  // a new pose every frame: no cache helps
    obs_data_set_bool(settings, "auto_blink", true);
    obs_data_set_bool(settings, "governor", true);
    obs_source_t* avatar = obs_source_create("tha4_avatar_source", "avatar", settings, nullptr);
    obs_data_release(settings);
    obs_scene_add(scene, avatar);
    const Sample with = measure(scene_source, seconds);
    const AvatarNumbers animating = avatar_numbers(avatar);
    print_row("colour + THA4 Avatar (animating)", with, &animating);

    // The same avatar holding still: the worker renders nothing, so what remains is OBS drawing the texture
    // (on this machine: software GL, which costs CPU like everything else).
    update_avatar(avatar, [](obs_data_t* still) {
      obs_data_set_double(still, "breaths_per_minute", 0.0);
      obs_data_set_bool(still, "auto_blink", false);
    });
    const Sample idle = measure(scene_source, seconds);
    print_row("colour + THA4 Avatar (holding still)", idle, nullptr);
    update_avatar(avatar, [](obs_data_t* moving) {
      obs_data_set_double(moving, "breaths_per_minute", 60.0);
      obs_data_set_bool(moving, "auto_blink", true);
    });

    // Under load: a game's worth of busy loops on the same cores.
    {
      BusyLoops loops(load);
      char title[80];
      std::snprintf(title, sizeof title, "-- under load: %d busy-loop processes --", loops.count());
      std::printf("%s\n", title);
      std::fflush(stdout);
      const auto [loaded_background, background_game] = measure_with_game(loops, [&] {
        obs_sceneitem_t* item = obs_scene_sceneitem_from_source(scene, avatar);
        obs_sceneitem_set_visible(item, false);
        const Sample sample = measure(scene_source, seconds);
        obs_sceneitem_set_visible(item, true);
        obs_sceneitem_release(item);  // obs_scene_sceneitem_from_source added a reference
        return sample;
      });
      print_row("colour background only", loaded_background, nullptr, background_game);
      // Governed first: the avatar has run on the calm machine, so the governor knows its calm render time.
      for (const bool governed : {true, false}) {
        update_avatar(avatar, [governed](obs_data_t* data) { obs_data_set_bool(data, "governor", governed); });
        // The governor needs a few seconds to find its level.
        const auto [sample, game] =
            measure_with_game(loops, [&] { return measure(scene_source, seconds, governed ? 8.0 : 2.0); });
        const AvatarNumbers numbers = avatar_numbers(avatar);
        print_row(governed ? "colour + THA4 Avatar, governor on" : "colour + THA4 Avatar, governor off", sample,
                  &numbers, game);
        std::fflush(stdout);
      }
    }
    std::printf("status: %s\n", status_line(avatar).c_str());

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
