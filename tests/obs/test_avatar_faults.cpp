// Faults while the avatar runs inside a real libobs: a flood of bad and NaN tracker packets, model files
// deleted or damaged under a running source, the tracked video and audio sources removed and added back,
// and a burst of property changes. In each, OBS keeps its own frame rate, the source says what is wrong
// and recovers when the cause goes away, and nothing crashes; main() then checks libobs's leak count, and
// the `debug` preset runs the same cases under ASan.
#include "tests/loopback_socket.h"
#include "tests/obs/avatar_fixtures.h"
#include "tests/obs/obs_host.h"
#include "tests/obs/test_image.h"
#include "tracking/network/osc_message.h"

#include <catch2/catch.hpp>
#include <obs-module.h>

#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <string>
#include <thread>

#include <unistd.h>

namespace tha4::obs_test {
namespace {

using namespace std::chrono_literals;
using tracking::encode_osc_bundle;
using tracking::encode_osc_message;
using tracking::OscArgument;

std::string vmc_blend(const char* name, float value) {
  return encode_osc_message("/VMC/Ext/Blend/Val", {OscArgument::string(name), OscArgument::float32(value)});
}
std::string vmc_apply() { return encode_osc_message("/VMC/Ext/Blend/Apply", {}); }
std::string vmc_head(float x, float y, float z, float w) {
  return encode_osc_message(
      "/VMC/Ext/Bone/Pos",
      {OscArgument::string("Head"), OscArgument::float32(0), OscArgument::float32(1.5F), OscArgument::float32(0),
       OscArgument::float32(x), OscArgument::float32(y), OscArgument::float32(z), OscArgument::float32(w)});
}
// An open "a" (jaw and lower lip down, as the network trackers' tests find it) scaled by `openness`.
std::string vmc_mouth(float openness) {
  return encode_osc_bundle({vmc_blend("jawOpen", 0.4F * openness), vmc_blend("mouthLowerDownLeft", 0.5F * openness),
                            vmc_blend("mouthLowerDownRight", 0.5F * openness), vmc_apply()});
}

std::uint16_t free_udp_port() {
  test::LoopbackSocket probe;
  return probe.port();
}

// Sends `packet()` to `port` at about `per_second` until `seconds` have passed (a bounded loop).
void send_for(std::uint16_t port, double seconds, int per_second, const std::function<std::string(int)>& packet) {
  test::LoopbackSocket sender;
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  for (int i = 0; std::chrono::steady_clock::now() < end; ++i) {
    sender.send(port, packet(i));
    if (i % (per_second / 100) == 0) std::this_thread::sleep_for(10ms);
  }
}

// Renders `avatar` while `packet` keeps arriving (the tracker's pose needs a steady stream) until `accept`
// holds for a frame that then stays unchanged for a second.
Image render_while_sending(obs_source_t* avatar, std::uint16_t port, const std::string& packet,
                           const std::function<bool(const Image&)>& accept) {
  std::atomic<bool> stop{false};
  std::thread sender([&] {
    test::LoopbackSocket socket;
    while (!stop) {
      socket.try_send(port, packet);
      std::this_thread::sleep_for(5ms);
    }
  });
  Image image;
  auto unchanged_since = std::chrono::steady_clock::now();
  wait_until(
      [&] {
        const Image next = ObsHost::get().render_offscreen(avatar);
        if (next.empty() || !accept(next)) return false;
        if (image.empty() || max_difference(next, image) != 0) {
          image = next;
          unchanged_since = std::chrono::steady_clock::now();
        }
        return std::chrono::steady_clock::now() - unchanged_since >= 1s;
      },
      30s);
  stop = true;
  sender.join();
  return image;
}

}  // namespace

TEST_CASE("obs faults: a flood of random, truncated, NaN and valid VMC packets", "[obs][faults]") {
  ObsHost::get();
  const std::uint16_t port = free_udp_port();
  obs_data_t* settings = still_settings(model_folder("lambda_00"), "");
  obs_data_set_string(settings, "tracking_input", "vmc");
  obs_data_set_int(settings, "vmc_port", port);
  obs_data_set_double(settings, "smoothing", 0.0);
  SourceRef avatar(kAvatarId, "flooded avatar", settings);
  obs_data_release(settings);
  obs_set_output_source(0, avatar.get());
  REQUIRE(wait_until([&] { return status_line(avatar.get()).find("Running") != std::string::npos; }, 60s));
  const Image closed =
      render_while_sending(avatar.get(), port, vmc_mouth(0.0F), [](const Image& i) { return opaque_pixels(i) > 0; });

  FrameRateProbe probe;
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const std::string valid = vmc_mouth(0.0F);
  std::mt19937 random(16);
  send_for(port, 5.0, 10000, [&](int i) -> std::string {
    switch (i % 10) {
      case 6: return valid.substr(0, random() % valid.size());                     // truncated
      case 7: return encode_osc_bundle({vmc_blend("jawOpen", nan), vmc_apply()});  // a NaN blendshape
      case 8: return encode_osc_bundle({vmc_head(nan, 0, 0, 1)});                  // a NaN head rotation
      case 9: return valid;
      default: {  // random bytes
        std::string bytes(random() % 1500, '\0');
        for (char& c : bytes) c = static_cast<char>(random());
        if (i % 20 == 1) bytes.replace(0, std::min<std::size_t>(bytes.size(), 8), "#bundle");
        return bytes;
      }
    }
  });
  INFO(probe.summary());
  CHECK(probe.kept_frame_rate());
  const std::string status = status_line(avatar.get());
  INFO("status: " << status);
  CHECK(status.find("Running") != std::string::npos);
  CHECK(status.find("bad packets dropped") != std::string::npos);
  // The pose survived the flood: the mouth still opens and closes with valid packets.
  const Image open = render_while_sending(avatar.get(), port, vmc_mouth(1.0F),
                                          [&](const Image& i) { return max_difference(i, closed) > 40; });
  CHECK(max_difference(open, closed) > 40);
  const Image closed_again = render_while_sending(avatar.get(), port, vmc_mouth(0.0F),
                                                  [&](const Image& i) { return max_difference(i, closed) <= 2; });
  CHECK(max_difference(closed_again, closed) <= 2);
  obs_set_output_source(0, nullptr);
}

TEST_CASE("obs faults: model files deleted and damaged under a running source", "[obs][faults]") {
  ObsHost::get();
  namespace fs = std::filesystem;
  const fs::path copy = fs::temp_directory_path() / ("tha4-obs-vanishing-" + std::to_string(::getpid()));
  fs::remove_all(copy);
  fs::copy(model_folder("lambda_00"), copy, fs::copy_options::recursive);
  const std::string pose = "mouth_aaa=1, head_y=0.3";
  obs_data_t* settings = still_settings(copy.string(), pose);
  SourceRef avatar(kAvatarId, "avatar on vanishing files", settings);
  obs_data_release(settings);
  obs_set_output_source(0, avatar.get());
  const Image expected = render_with_cli(model_folder("lambda_00"), pose, "fast");
  const auto matches = [&](const Image& i) { return max_difference(i, expected) <= 2; };
  REQUIRE(matches(settled_render(avatar.get(), matches)));

  const Image ooo = render_with_cli(model_folder("lambda_00"), "mouth_ooo=1", "fast");  // before the probe:
  // the CLI is another process competing for the cores, not part of OBS's load

  FrameRateProbe probe;
  // Deleted: the loaded model keeps rendering; a pose change still reaches the output.
  fs::remove_all(copy);
  avatar.update([](obs_data_t* s) { obs_data_set_string(s, "base_pose", "mouth_ooo=1"); });
  CHECK(max_difference(settled_render(avatar.get(), [&](const Image& i) { return max_difference(i, ooo) <= 2; }),
                       ooo) <= 2);
  // Back, but damaged, and chosen again: a clear error and the still picture, never a crash.
  fs::copy(model_folder("lambda_00"), copy, fs::copy_options::recursive);
  {
    std::fstream face(copy / "face_morpher.pt", std::ios::in | std::ios::out | std::ios::binary);
    face.seekp(2000);
    face.write("garbage!", 8);
  }
  avatar.update([&](obs_data_t* s) { obs_data_set_string(s, "model_folder", (copy / "").string().c_str()); });
  std::string status;
  CHECK(wait_until(
      [&] {
        status = status_line(avatar.get());
        return status.find("face_morpher.pt") != std::string::npos;
      },
      30s));
  INFO("status: " << status);
  CHECK(status.find("CRC") != std::string::npos);
  // Repaired and chosen again: running, and the settings are the ones last set.
  fs::copy_file(model_folder("lambda_00") + "/face_morpher.pt", copy / "face_morpher.pt",
                fs::copy_options::overwrite_existing);
  avatar.update([&](obs_data_t* s) { obs_data_set_string(s, "model_folder", copy.string().c_str()); });
  CHECK(max_difference(settled_render(avatar.get(), [&](const Image& i) { return max_difference(i, ooo) <= 2; }),
                       ooo) <= 2);
  CHECK(wait_until([&] { return status_line(avatar.get()).find("Running") != std::string::npos; }, 10s));
  INFO(probe.summary());
  CHECK(probe.kept_frame_rate());
  obs_data_t* kept = obs_source_get_settings(avatar.get());
  CHECK(std::string(obs_data_get_string(kept, "model_folder")) == copy.string());
  CHECK(std::string(obs_data_get_string(kept, "base_pose")) == "mouth_ooo=1");
  obs_data_release(kept);
  obs_set_output_source(0, nullptr);
  fs::remove_all(copy);
}

TEST_CASE("obs faults: the tracked video source and the audio source removed while in use, then added back",
          "[obs][faults]") {
  ObsHost::get();
  const std::string face = std::string(THA4_SOURCE_DIR) + "/../shared/tracking/dlib-faces/Tom_Cruise_avp_2014_4.jpg";
  const auto make_camera = [&] {
    obs_data_t* image_settings = obs_data_create();
    obs_data_set_string(image_settings, "file", face.c_str());
    auto camera = std::make_unique<SourceRef>("image_source", "webcam stand-in", image_settings);
    obs_data_release(image_settings);
    return camera;
  };
  auto camera = make_camera();
  auto microphone = std::make_unique<SourceRef>(register_test_voice_source(), "microphone stand-in", nullptr);
  obs_data_t* settings = still_settings(model_folder("lambda_00"), "");
  obs_data_set_string(settings, "tracking_input", "obs_source");
  obs_data_set_string(settings, "obs_video_source", "webcam stand-in");
  obs_data_set_string(settings, "lip_sync", "when_no_face");
  obs_data_set_string(settings, "audio_source", "microphone stand-in");
  SourceRef avatar(kAvatarId, "avatar", settings);
  obs_data_release(settings);
  obs_set_output_source(0, avatar.get());
  const auto tracking = [&] {
    const std::string status = status_line(avatar.get());
    return status.find("Tracking: tracking") != std::string::npos ||
           status.find("Tracking: calibrating") != std::string::npos;
  };
  REQUIRE(wait_until(tracking, 60s));

  FrameRateProbe probe;
  camera.reset();  // released while the avatar reads its frames
  microphone.reset();
  std::string status;
  CHECK(wait_until(
      [&] {
        status = status_line(avatar.get());
        return !tracking() && status.find("Running") != std::string::npos;
      },
      30s));
  INFO("status with the sources gone: " << status);
  // Added back under the same name: found again without touching the avatar's settings.
  camera = make_camera();
  microphone = std::make_unique<SourceRef>(register_test_voice_source(), "microphone stand-in", nullptr);
  CHECK(wait_until(tracking, 60s));
  INFO(probe.summary());
  CHECK(probe.kept_frame_rate());
  obs_set_output_source(0, nullptr);
}

TEST_CASE("obs faults: 200 property changes in a burst keep OBS's frame rate and lose no setting", "[obs][faults]") {
  ObsHost::get();
  const std::string lambda_00 = model_folder("lambda_00");
  const std::string lambda_01 = model_folder("lambda_01");
  obs_data_t* settings = still_settings(lambda_00, "");
  SourceRef avatar(kAvatarId, "avatar", settings);
  obs_data_release(settings);
  obs_set_output_source(0, avatar.get());
  REQUIRE(wait_until([&] { return status_line(avatar.get()).find("Running") != std::string::npos; }, 60s));

  const std::string final_pose = "head_y=0.4, mouth_ooo=1";
  const Image expected = render_with_cli(lambda_01, final_pose, "fast");  // before the probe (another process)

  FrameRateProbe probe;
  for (int i = 0; i < 200; ++i) {
    avatar.update([&](obs_data_t* s) {
      obs_data_set_string(s, "base_pose", ("head_y=" + std::to_string((i % 21 - 10) / 10.0)).c_str());
      obs_data_set_string(s, "model_folder", (i % 3 ? lambda_00 : lambda_01).c_str());
      obs_data_set_double(s, "smoothing", (i % 10) / 10.0);
      obs_data_set_string(s, "tracking_input", i % 4 == 0 ? "vmc" : "none");
      obs_data_set_int(s, "vmc_port", 0);
    });
  }
  avatar.update([&](obs_data_t* s) {
    obs_data_set_string(s, "base_pose", final_pose.c_str());
    obs_data_set_string(s, "model_folder", lambda_01.c_str());
    obs_data_set_string(s, "tracking_input", "none");
  });
  const Image shown = settled_render(avatar.get(), [&](const Image& i) { return max_difference(i, expected) <= 2; });
  CHECK(max_difference(shown, expected) <= 2);
  INFO(probe.summary());
  CHECK(probe.kept_frame_rate());
  obs_data_t* kept = obs_source_get_settings(avatar.get());
  CHECK(std::string(obs_data_get_string(kept, "base_pose")) == final_pose);
  CHECK(obs_data_get_double(kept, "smoothing") == Approx(0.9));
  obs_data_release(kept);
  obs_set_output_source(0, nullptr);
}

}  // namespace tha4::obs_test
