// The avatar runtime's threads together, built with ThreadSanitizer (and with ASan+UBSan): the render
// worker, the mailbox, the pose interpolator and composer, a VMC tracker fed by a sender thread, the lip
// sync fed by an audio thread, and the OBS side's graphics and UI threads, all at once. The model is the
// fake poser (fake_avatar_poser.cpp). Each case also checks that the work arrived, so a run that
// deadlocks or drops everything fails here as well as a data race does.

#include "plugin/runtime/avatar_runtime.h"
#include "plugin/runtime/expression_presets.h"
#include "tests/loopback_socket.h"
#include "tests/openseeface_record.h"
#include "tracking/common/steady_seconds.h"
#include "tracking/network/osc_message.h"

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <thread>
#include <vector>

using namespace tha4;
using namespace tha4::avatar;
using tha4::test::eventually;
using tha4::tracking::encode_osc_bundle;
using tha4::tracking::encode_osc_message;
using tha4::tracking::OscArgument;

namespace {

AvatarSettings fake_model_settings() {
  AvatarSettings settings;
  settings.model_folder = "fake-model";
  settings.display_fps = 60.0;
  settings.auto_blink = false;
  settings.pose_tuning.breaths_per_minute = 0.0;
  return settings;
}

// An open "a" (jaw and lower lip down, as the network trackers' tests find it) scaled by `openness`.
std::string vmc_mouth_packet(float openness) {
  const auto blend = [](const char* name, float value) {
    return encode_osc_message("/VMC/Ext/Blend/Val", {OscArgument::string(name), OscArgument::float32(value)});
  };
  return encode_osc_bundle({blend("jawOpen", 0.4F * openness), blend("mouthLowerDownLeft", 0.5F * openness),
                            blend("mouthLowerDownRight", 0.5F * openness),
                            encode_osc_message("/VMC/Ext/Blend/Apply", {})});
}

// A face record as OpenSeeFace's facetracker.py sends it, facing the camera with the mouth open this much.
std::string openseeface_mouth_packet(float openness) {
  tha4::test::Record record;
  record.feature(tha4::tracking::OpenSeeFaceFeature::kMouthOpen, openness);
  return record.bytes();
}

// Runs `body` on a thread until `stop` is set; joins on destruction.
class Loop {
 public:
  template <class Body>
  Loop(std::atomic<bool>& stop, Body body)
      : thread_([&stop, body]() mutable {
          while (!stop.load()) body();
        }) {}
  ~Loop() { thread_.join(); }
  Loop(const Loop&) = delete;
  Loop& operator=(const Loop&) = delete;

 private:
  std::thread thread_;
};

}  // namespace

TEST_CASE("runtime threads: frames, settings, commands and status on four threads at once", "[threads]") {
  std::atomic<int> log_lines{0};
  AvatarRuntime runtime([&](LogLevel, const std::string&) { log_lines.fetch_add(1); }, {{"happy", {}, {}}});
  AvatarSettings settings = fake_model_settings();
  runtime.apply_settings(settings);
  runtime.set_showing(true);

  std::atomic<bool> stop{false};
  std::atomic<int> frames_taken{0};
  std::atomic<std::uint64_t> last_sequence{0};
  std::atomic<bool> sequence_went_back{false};
  {
    Loop graphics(stop, [&] {  // OBS's graphics thread: video_tick / video_render
      AvatarFrame frame;
      if (runtime.try_take_frame(frame)) {
        if (frame.sequence <= last_sequence.load()) sequence_went_back = true;
        last_sequence = frame.sequence;
        runtime.frame_shown(frame, frame.render_end_s);
        frames_taken.fetch_add(1);
      }
      (void)runtime.status_generation();
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    });
    int step = 0;
    Loop ui(stop, [&] {  // OBS's UI thread: property changes, buttons, hotkeys
      AvatarSettings changed = settings;
      changed.base_pose = "mouth_aaa=" + std::to_string((step % 10) / 10.0);
      changed.expression = step % 3 == 0 ? "happy" : "";
      runtime.apply_settings(changed);
      runtime.set_expression_active("happy", step % 2 == 0);
      runtime.set_tracking_paused(step % 5 == 0);
      if (step % 7 == 0) runtime.calibrate();
      (void)runtime.status();
      ++step;
      std::this_thread::sleep_for(std::chrono::milliseconds(3));
    });
    std::vector<float> silence(480, 0.0F);
    Loop audio(stop, [&] {  // OBS's audio thread
      const float* planes[] = {silence.data()};
      runtime.submit_audio(planes, 1, 480, 48000);
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    });
    CHECK(eventually([&] { return frames_taken.load() >= 30; }, std::chrono::seconds(20)));
    stop = true;
  }
  CHECK_FALSE(sequence_went_back.load());
  const RuntimeStatus status = runtime.status();
  CHECK(status.state == RuntimeState::kRunning);
  CHECK(status.error.empty());
  CHECK(log_lines.load() > 0);
}

TEST_CASE("runtime threads: network packets from a sender thread move the mouth, then the source goes away mid-stream",
          "[threads][udp]") {
  // The same run for each UDP tracker: its own packets, its own status.
  const TrackingInput input = GENERATE(TrackingInput::kVmc, TrackingInput::kOpenSeeFace);
  const bool vmc = input == TrackingInput::kVmc;
  INFO((vmc ? "VMC" : "OpenSeeFace"));
  auto runtime = std::make_unique<AvatarRuntime>(LogFunction{}, std::vector<ExpressionPreset>{});
  AvatarSettings settings = fake_model_settings();
  settings.tracking = input;
  settings.smoothing = 0.0;
  // A free port: bind one, release it, and let the tracker take it.
  std::uint16_t port = 0;
  {
    tha4::test::LoopbackSocket probe;
    port = probe.port();
  }
  settings.vmc_port = port;
  settings.openseeface_port = port;
  runtime->apply_settings(settings);
  runtime->set_showing(true);

  tha4::test::LoopbackSocket sender;
  std::atomic<bool> stop{false};
  std::atomic<int> sent{0};
  Loop performer(stop, [&] {
    const float openness = sent.load() % 2 == 0 ? 1.0F : 0.9F;
    sender.try_send(port, vmc ? vmc_mouth_packet(openness) : openseeface_mouth_packet(openness));
    sent.fetch_add(1);
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  });
  AvatarFrame frame;
  const bool mouth_opened = eventually(
      [&] {
        while (runtime->try_take_frame(frame)) {
          if (frame.pixels.size() >= 4 && frame.pixels[0] > 128) return true;
        }
        return false;
      },
      std::chrono::seconds(20));
  CHECK(mouth_opened);
  // The status is refreshed once per worker loop, before the pose is composed: the first packet can reach a
  // frame one loop before it reaches the status line.
  CHECK(eventually(
      [&] {
        return runtime->status().tracking.find(vmc ? "receiving VMC" : "receiving OpenSeeFace") != std::string::npos;
      },
      std::chrono::seconds(2)));
  // Destroyed while packets keep arriving: joins the worker and the receiver, and does it promptly.
  const auto start = std::chrono::steady_clock::now();
  runtime.reset();
  CHECK(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() < 2.0);
  stop = true;
}

TEST_CASE("runtime threads: a model that fails to load shows the placeholder and recovers when settings change",
          "[threads]") {
  AvatarRuntime runtime({}, {});
  AvatarSettings settings = fake_model_settings();
  settings.model_folder = "fake-error";
  runtime.apply_settings(settings);
  runtime.set_showing(true);
  AvatarFrame frame;
  REQUIRE(eventually([&] { return runtime.try_take_frame(frame); }, std::chrono::seconds(20)));
  CHECK(frame.pixels.at(0) == 128);  // the placeholder
  CHECK(runtime.status().state == RuntimeState::kError);
  CHECK(runtime.status().error.find("corrupt") != std::string::npos);

  settings.model_folder = "fake-model";
  runtime.apply_settings(settings);
  CHECK(eventually([&] { return runtime.status().state == RuntimeState::kRunning; }, std::chrono::seconds(20)));
  CHECK(
      eventually([&] { return runtime.try_take_frame(frame) && frame.pixels.at(3) == 255; }, std::chrono::seconds(20)));
}

TEST_CASE("runtime threads: a still avatar costs a few compositions a second and a hotkey wakes it at once",
          "[threads]") {
  AvatarRuntime runtime({}, parse_expression_presets("happy: mouth_aaa=1", "test presets"));
  runtime.apply_settings(fake_model_settings());  // no tracking, no breathing, no blinks: nothing moves
  runtime.set_showing(true);
  AvatarFrame frame;
  REQUIRE(eventually([&] { return runtime.try_take_frame(frame); }, std::chrono::seconds(20)));
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  const std::uint64_t before = runtime.status().poses_composed;
  std::this_thread::sleep_for(std::chrono::seconds(1));
  const std::uint64_t composed = runtime.status().poses_composed - before;
  INFO("poses composed in 1 s while still: " << composed << " (60 at the display rate)");
  CHECK(composed >= 3);
  CHECK(composed <= 20);
  CHECK_FALSE(runtime.try_take_frame(frame));  // nothing moved, so nothing new was rendered

  runtime.set_expression_active("happy", true);
  CHECK(eventually([&] { return runtime.try_take_frame(frame) && frame.pixels.at(0) > 0; }, std::chrono::seconds(5)));
}

TEST_CASE("runtime threads: hidden, unticked and stopped sources let go of their port; a taken port is retried",
          "[threads][udp][lifecycle]") {
  std::uint16_t port = 0;
  {
    tha4::test::LoopbackSocket probe;
    port = probe.port();
  }
  AvatarSettings settings = fake_model_settings();
  settings.tracking = TrackingInput::kVmc;
  settings.vmc_port = port;
  auto first = std::make_unique<AvatarRuntime>(LogFunction{}, std::vector<ExpressionPreset>{});
  first->apply_settings(settings);
  CHECK(tha4::test::udp_port_free(port));  // not shown yet: no tracker
  first->set_showing(true);
  REQUIRE(eventually([&] { return !tha4::test::udp_port_free(port); }, std::chrono::seconds(10)));

  // Hidden from every output: the port is free; shown again: taken again.
  first->set_showing(false);
  CHECK(eventually([&] { return tha4::test::udp_port_free(port); }, std::chrono::seconds(2)));
  first->set_showing(true);
  CHECK(eventually([&] { return !tha4::test::udp_port_free(port); }, std::chrono::seconds(2)));

  AvatarRuntime second(LogFunction{}, std::vector<ExpressionPreset>{});
  second.apply_settings(settings);
  second.set_showing(true);
  REQUIRE(
      eventually([&] { return second.status().error.find("in use") != std::string::npos; }, std::chrono::seconds(5)));
  // Removed: stop() never waits, and the port is free at once for the second source to take.
  const auto stop_start = std::chrono::steady_clock::now();
  first->stop();
  CHECK(std::chrono::duration<double>(std::chrono::steady_clock::now() - stop_start).count() < 0.05);
  CHECK(eventually([&] { return second.status().error.empty() && !tha4::test::udp_port_free(port); },
                   std::chrono::seconds(3)));
  // (The tracker's words follow in the same worker loop, just after the port is taken: waited for.)
  CHECK(eventually(
      [&] {
        return second.status().tracking.find("waiting for VMC on UDP port " + std::to_string(port)) !=
               std::string::npos;
      },
      std::chrono::seconds(2)));
  first.reset();
  second.set_showing(false);
  REQUIRE(eventually([&] { return tha4::test::udp_port_free(port); }, std::chrono::seconds(2)));

  // OBS stops ticking a source (released, not yet destroyed): it stops rendering, then lets the port go.
  AvatarRuntime third(LogFunction{}, std::vector<ExpressionPreset>{});
  third.apply_settings(settings);
  third.set_showing(true);
  std::atomic<bool> ticking{true};
  std::thread graphics([&] {  // OBS's graphics thread, ticking at 30 fps until the source is "released"
    while (ticking.load()) {
      third.tick(tha4::tracking::steady_seconds());
      std::this_thread::sleep_for(std::chrono::milliseconds(33));
    }
  });
  REQUIRE(eventually([&] { return !tha4::test::udp_port_free(port); }, std::chrono::seconds(5)));
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  CHECK_FALSE(tha4::test::udp_port_free(port));  // ticked: still tracking
  const double unticked_at = tha4::tracking::steady_seconds();
  ticking = false;
  graphics.join();
  CHECK(eventually([&] { return tha4::test::udp_port_free(port); }, std::chrono::seconds(2)));
  CHECK(tha4::tracking::steady_seconds() - unticked_at < 1.5);
}
