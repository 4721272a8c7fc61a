// The avatar source's life inside a real libobs, as a streamer's OBS lives it: sources created, put in a
// scene, taken out and released in quick succession with every tracking input; settings dragged on every
// frame; model files deleted, damaged and restored under a source; two sources on one UDP port. In each,
// OBS keeps its own frame time (at most 1 % of frames lagged), and the process's threads and memory return
// to where they were.
#include "tests/loopback_socket.h"
#include "tests/obs/avatar_fixtures.h"
#include "tests/obs/obs_host.h"
#include "tests/obs/test_image.h"
#include "tests/openseeface_record.h"
#include "tracking/network/osc_message.h"

#include <catch2/catch.hpp>
#include <obs.h>

#include <malloc.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

namespace tha4::obs_test {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

int thread_count() {
  int count = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator("/proc/self/task")) ++count;
  return count;
}

// Resident memory in MB, after handing freed heap back to the system (what is left is in use).
double resident_mb() {
  malloc_trim(0);
  long pages = 0, resident = 0;
  std::FILE* statm = std::fopen("/proc/self/statm", "r");
  if (statm == nullptr) return 0.0;
  const int read = std::fscanf(statm, "%ld %ld", &pages, &resident);
  std::fclose(statm);
  return read == 2 ? static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE)) / 1e6 : 0.0;
}

// Resident memory once it has stopped moving (workers that were still loading a model have finished).
double settled_resident_mb() {
  double previous = resident_mb();
  for (int i = 0; i < 40; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    const double now = resident_mb();
    if (std::abs(now - previous) < 5.0) return now;
    previous = now;
  }
  return previous;
}

std::uint16_t free_udp_port() {
  test::LoopbackSocket probe;
  return probe.port();
}

// A scene on OBS's main output, for the sources under test to be added to and removed from.
class Scene {
 public:
  Scene() : scene_(obs_scene_create_private("lifecycle scene")) {
    obs_set_output_source(0, obs_scene_get_source(scene_));
  }
  ~Scene() {
    obs_set_output_source(0, nullptr);
    obs_scene_release(scene_);
  }
  obs_scene_t* get() const { return scene_; }

 private:
  obs_scene_t* scene_;
};

// The process's threads and memory now, and a wait for them to come back to it.
struct ResourceBaseline {
  double memory_mb = settled_resident_mb();
  int threads = thread_count();

  // Slack: a thread or two that libobs or LibTorch start on first use, and what glibc's heap arenas hold on
  // to: a model's engine allocates a few hundred MB of frame buffers, and which arena they come back to varies,
  // so the resident size moves by up to about 200 MB from one round to the next without anything leaking. A
  // leak of even 1 MB per cycle (a frame buffer) would add 360 MB over the 360 cycles here.
  static constexpr double kArenaSlackMb = 250.0;
  bool returned(int extra_threads = 2, double extra_mb = kArenaSlackMb) const {
    return thread_count() <= threads + extra_threads && resident_mb() <= memory_mb + extra_mb;
  }
  std::string describe() const {
    return "threads " + std::to_string(threads) + " -> " + std::to_string(thread_count()) + ", memory " +
           std::to_string(memory_mb) + " MB -> " + std::to_string(resident_mb()) + " MB";
  }
};

obs_data_t* tracking_settings(const std::string& mode, std::uint16_t port) {
  obs_data_t* settings = still_settings(model_folder("lambda_00"), "head_y=0.3");
  obs_data_set_string(settings, "tracking_input", mode.c_str());
  obs_data_set_int(settings, "vmc_port", port);
  obs_data_set_int(settings, "openseeface_port", port);
  obs_data_set_string(settings, "camera_device", "/dev/video97");        // none in CI: the camera keeps retrying
  obs_data_set_string(settings, "obs_video_source", "a webcam source");  // not there: the tracker waits for it
  obs_data_set_string(settings, "phone_address", "127.0.0.1");           // iFacialMocap asks it to stream
  return settings;
}

// Creates a source, adds it to the scene, then removes and releases it: what deleting a freshly added
// source does in OBS's UI.
void create_add_remove_release(Scene& scene, obs_data_t* settings, int cycle) {
  const std::string name = "cycled avatar " + std::to_string(cycle);
  obs_source_t* source = obs_source_create(kAvatarId, name.c_str(), settings, nullptr);
  obs_sceneitem_t* item = obs_scene_add(scene.get(), source);
  std::this_thread::sleep_for(40ms);  // a frame or so in the scene
  obs_sceneitem_remove(item);
  // OBS's UI also removes a source that no scene uses any more; a plugin or script may only release it.
  if (cycle % 2 == 0) obs_source_remove(source);
  obs_source_release(source);
}

std::string mouth_packet(const std::string& mode, float openness) {
  if (mode == "vmc") {
    using tracking::OscArgument;
    const auto blend = [](const char* name, float value) {
      return tracking::encode_osc_message("/VMC/Ext/Blend/Val",
                                          {OscArgument::string(name), OscArgument::float32(value)});
    };
    return tracking::encode_osc_bundle({blend("jawOpen", 0.4F * openness), blend("mouthLowerDownLeft", 0.5F * openness),
                                        blend("mouthLowerDownRight", 0.5F * openness),
                                        tracking::encode_osc_message("/VMC/Ext/Blend/Apply", {})});
  }
  test::Record record;
  record.feature(tracking::OpenSeeFaceFeature::kMouthOpen, openness);
  return record.bytes();
}

}  // namespace

TEST_CASE("obs lifecycle: 60 create/add/remove/release cycles cost OBS nothing, with each tracking input",
          "[obs][lifecycle]") {
  ObsHost::get();
  Scene scene;
  const std::uint16_t port = free_udp_port();
  // Warm up once with a model that loads and runs (libobs's and LibTorch's own threads, pools and caches
  // come on first use and stay), then measure from there.
  {
    obs_data_t* settings = tracking_settings("vmc", port);
    obs_source_t* source = obs_source_create(kAvatarId, "warm-up avatar", settings, nullptr);
    obs_data_release(settings);
    obs_sceneitem_t* item = obs_scene_add(scene.get(), source);
    REQUIRE(wait_until([&] { return status_line(source).find("Running") != std::string::npos; }, 60s));
    std::this_thread::sleep_for(1s);
    obs_sceneitem_remove(item);
    obs_source_remove(source);
    obs_source_release(source);
    REQUIRE(wait_until([&] { return test::udp_port_free(port); }, 10s));
    // And one round of quick cycles: glibc gives each new worker thread one of its (up to 8 per core) heap
    // arenas, and those grow to their working size once and stay. A leak would grow on every round after.
    obs_data_t* quick = tracking_settings("none", port);
    for (int cycle = 0; cycle < 60; ++cycle) create_add_remove_release(scene, quick, 100 + cycle);
    obs_data_release(quick);
  }
  // Every round is measured against the same baseline, taken once: memory that crept up round by round
  // would show.
  const ResourceBaseline baseline;
  for (const std::string mode : {"none", "vmc", "openseeface", "ifacialmocap", "camera", "obs_source"}) {
    INFO("tracking input: " << mode);
    const std::uint16_t listened = mode == "ifacialmocap" ? std::uint16_t{49983} : port;  // iFacialMocap's fixed port
    FrameRateProbe probe;
    obs_data_t* settings = tracking_settings(mode, port);
    std::atomic<bool> stop{false};
    std::thread sender([&] {  // a tracker that keeps sending, as a phone or VSeeFace would
      test::LoopbackSocket socket;
      const std::string packet = mouth_packet(mode, 1.0F);
      while (!stop) {
        socket.try_send(listened, packet);
        std::this_thread::sleep_for(5ms);
      }
    });
    for (int cycle = 0; cycle < 60; ++cycle) create_add_remove_release(scene, settings, cycle);
    obs_data_release(settings);
    const auto released_at = std::chrono::steady_clock::now();
    // The UDP port is free within a frame or two of the last release.
    CHECK(wait_until([&] { return test::udp_port_free(listened); }, 1s));
    INFO("port free after " << std::chrono::duration<double>(std::chrono::steady_clock::now() - released_at).count()
                            << " s");
    stop = true;
    sender.join();
    WARN(mode << ": " << probe.summary());
    CHECK(probe.kept_frame_rate());
    CHECK(probe.frames_lagged() <= std::max<std::uint32_t>(1, probe.frames_rendered() / 100));
    const auto settling = std::chrono::steady_clock::now();
    const bool returned = wait_until([&] { return baseline.returned(); }, 20s);
    WARN(mode << ": " << baseline.describe() << " within "
              << std::chrono::duration<double>(std::chrono::steady_clock::now() - settling).count() << " s");
    CHECK(returned);
  }
}

TEST_CASE("obs lifecycle: a settings update on every frame keeps the avatar moving", "[obs][lifecycle]") {
  ObsHost::get();
  Scene scene;
  obs_data_t* initial = still_settings(model_folder("lambda_00"), "head_y=0");
  SourceRef avatar(kAvatarId, "dragged avatar", initial);
  obs_data_release(initial);
  obs_sceneitem_t* item = obs_scene_add(scene.get(), avatar.get());
  REQUIRE(wait_until([&] { return status_line(avatar.get()).find("Running") != std::string::npos; }, 60s));
  REQUIRE(settled_render(avatar.get(), [](const Image& i) { return opaque_pixels(i) > 0; }).width > 0);

  // One update per OBS frame, from OBS's own tick, as dragging sliders in the properties does: the head
  // (pose), the smoothing, the mirror (which rebuilds tracking) and, now and then, the engine (which reloads
  // the model).
  struct Dragger {
    obs_source_t* source;
    int frame = 0;
  } dragger{avatar.get()};
  const auto drag = [](void* param, float) {
    auto* d = static_cast<Dragger*>(param);
    obs_data_t* change = obs_data_create();
    const int i = d->frame++;
    obs_data_set_string(change, "base_pose", ("head_y=" + std::to_string((i % 21 - 10) / 10.0)).c_str());
    obs_data_set_double(change, "smoothing", (i % 10) / 10.0);
    obs_data_set_bool(change, "mirror", i % 2 == 0);
    obs_data_set_string(change, "engine", (i / 30) % 2 == 0 ? "cpu_fast" : "auto");
    obs_source_update(d->source, change);
    obs_data_release(change);
  };
  FrameRateProbe probe;
  Image previous = ObsHost::get().render_offscreen(avatar.get());
  int seconds_with_motion = 0;
  obs_add_tick_callback(drag, &dragger);
  for (int second = 0; second < 10; ++second) {
    // The avatar's picture changes within each second: it renders while the settings move.
    bool moved = false;
    const auto end = std::chrono::steady_clock::now() + 1s;
    while (std::chrono::steady_clock::now() < end) {
      const Image now = ObsHost::get().render_offscreen(avatar.get());
      if (!now.empty() && !previous.empty() && max_difference(now, previous) > 10) moved = true;
      previous = now;
      std::this_thread::sleep_for(100ms);
    }
    seconds_with_motion += moved ? 1 : 0;
  }
  obs_remove_tick_callback(drag, &dragger);
  INFO(probe.summary());
  INFO("updates: " << dragger.frame << ", seconds in which the avatar moved: " << seconds_with_motion);
  CHECK(dragger.frame >= 250);
  CHECK(seconds_with_motion >= 9);
  CHECK(probe.kept_frame_rate());
  // Once the dragging stops, the last settings are what runs.
  const std::string last_pose = "head_y=" + std::to_string(((dragger.frame - 1) % 21 - 10) / 10.0);
  const Image expected = render_with_cli(model_folder("lambda_00"), last_pose, "fast");
  CHECK(max_difference(settled_render(
                           avatar.get(), [&](const Image& i) { return max_difference(i, expected) <= 2; }, 20s),
                       expected) <= 2);
  obs_sceneitem_remove(item);
}

TEST_CASE("obs lifecycle: deleted, damaged and restored model files recover without touching the settings",
          "[obs][lifecycle]") {
  ObsHost::get();
  Scene scene;
  // A copy of the character to damage.
  const fs::path folder = fs::temp_directory_path() / ("tha4-lifecycle-" + std::to_string(::getpid()));
  fs::remove_all(folder);
  fs::copy(model_folder("lambda_00"), folder, fs::copy_options::recursive);
  const fs::path weights = folder / "face_morpher.pt";
  const fs::path saved = folder.string() + "-face_morpher.pt";
  fs::rename(weights, saved);  // deleted before the source starts

  obs_data_t* settings = still_settings(folder.string(), "mouth_aaa=1");
  Avatar avatar(settings, "damaged avatar");
  obs_sceneitem_t* item = obs_scene_add(scene.get(), avatar.source.get());
  std::string status;
  const auto status_has = [&](const std::string& text) {
    status = status_line(avatar.source.get());
    return status.find(text) != std::string::npos;
  };
  REQUIRE(wait_until([&] { return status_has("Problem"); }, 30s));
  INFO(status);
  CHECK(status.find("face_morpher.pt") != std::string::npos);

  FrameRateProbe probe;
  // Restored: the source notices on its own and runs.
  fs::copy_file(saved, weights);
  CHECK(wait_until([&] { return status_has("Running") && !status_has("Problem"); }, 10s));
  const Image expected = render_with_cli(folder.string(), "mouth_aaa=1", "fast");
  CHECK(max_difference(
            settled_render(avatar.source.get(), [&](const Image& i) { return max_difference(i, expected) <= 2; }),
            expected) <= 2);

  // Damaged while running: the loaded model keeps running and the status says the files changed.
  {
    std::ofstream damage(weights, std::ios::binary | std::ios::trunc);
    damage << "not a weight file";
  }
  CHECK(wait_until([&] { return status_has("Running") && status_has("changed on disk"); }, 10s));
  CHECK(max_difference(ObsHost::get().render_offscreen(avatar.source.get()), expected) <= 2);

  // Restored again: the note goes away.
  fs::copy_file(saved, weights, fs::copy_options::overwrite_existing);
  CHECK(wait_until([&] { return status_has("Running") && !status_has("changed on disk"); }, 10s));

  // Damaged and fixed while the source is hidden: what is on disk when it is shown again is what it loads.
  obs_source_dec_showing(avatar.source.get());
  obs_sceneitem_set_visible(item, false);
  {
    std::ofstream damage(weights, std::ios::binary | std::ios::trunc);
    damage << "damaged while hidden";
  }
  std::this_thread::sleep_for(2s);
  fs::copy_file(saved, weights, fs::copy_options::overwrite_existing);
  obs_sceneitem_set_visible(item, true);
  obs_source_inc_showing(avatar.source.get());
  CHECK(wait_until([&] { return status_has("Running") && !status_has("changed on disk"); }, 10s));

  INFO(probe.summary());
  CHECK(probe.kept_frame_rate());
  obs_sceneitem_remove(item);
  fs::remove_all(folder);
  fs::remove(saved);
}

TEST_CASE("obs lifecycle: two sources on one VMC port, and the second takes it when the first goes",
          "[obs][lifecycle]") {
  ObsHost::get();
  Scene scene;
  const std::uint16_t port = free_udp_port();
  obs_data_t* first_settings = tracking_settings("vmc", port);
  obs_source_t* first = obs_source_create(kAvatarId, "first on the port", first_settings, nullptr);
  obs_data_release(first_settings);
  obs_sceneitem_t* first_item = obs_scene_add(scene.get(), first);
  REQUIRE(wait_until([&] { return status_line(first).find("waiting for VMC on UDP port") != std::string::npos; }, 30s));

  obs_data_t* second_settings = tracking_settings("vmc", port);
  SourceRef second(kAvatarId, "second on the port", second_settings);
  obs_data_release(second_settings);
  obs_sceneitem_t* second_item = obs_scene_add(scene.get(), second.get());
  std::string status;
  CHECK(wait_until(
      [&] {
        status = status_line(second.get());
        return status.find("in use") != std::string::npos;
      },
      30s));
  INFO(status);
  CHECK(status.find(std::to_string(port)) != std::string::npos);

  FrameRateProbe probe;
  obs_sceneitem_remove(first_item);
  obs_source_remove(first);
  obs_source_release(first);
  CHECK(wait_until(
      [&] {
        status = status_line(second.get());
        return status.find("waiting for VMC on UDP port " + std::to_string(port)) != std::string::npos &&
               status.find("Problem") == std::string::npos;
      },
      5s));
  INFO(status);
  // And it is really listening: a mouth packet reaches it.
  test::LoopbackSocket sender;
  sender.send(port, mouth_packet("vmc", 1.0F));
  CHECK(wait_until([&] { return status_line(second.get()).find("receiving VMC") != std::string::npos; }, 5s));
  INFO(probe.summary());
  CHECK(probe.kept_frame_rate());
  obs_sceneitem_remove(second_item);
}

}  // namespace tha4::obs_test
