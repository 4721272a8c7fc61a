// The "THA4 Avatar" source inside a real libobs (headless, software GL): pixels against the CLI, alpha,
// compositing through OBS's output, settings changes, errors, lifetime, hotkeys.
#include "tests/obs/avatar_fixtures.h"
#include "tests/obs/obs_host.h"
#include "tests/obs/test_image.h"

#include <catch2/catch.hpp>
#include <obs-module.h>
#include <util/platform.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

namespace tha4::obs_test {
namespace {

using namespace std::chrono_literals;
const std::string kPose = "head_y=0.6, neck_z=-0.3, mouth_aaa=1, eye_wink_left=1";

// Where `expected` (the CLI's render) is fully transparent: how many pixels, and how many of them `shown`
// does not leave at exactly zero.
struct TransparentArea {
  std::size_t pixels = 0;
  std::size_t leaked = 0;
};
TransparentArea transparent_area(const Image& shown, const Image& expected) {
  TransparentArea area;
  for (int y = 0; y < shown.height; ++y) {
    for (int x = 0; x < shown.width; ++x) {
      if (expected.at(x, y)[3] != 0) continue;
      ++area.pixels;
      const std::uint8_t* p = shown.at(x, y);
      area.leaked += (p[0] | p[1] | p[2] | p[3]) != 0;
    }
  }
  return area;
}

// How far `shown` is from the still character `picture`: the largest channel difference where the picture is
// opaque (its colours) or transparent (nothing), and how many opaque pixels were compared.
struct StillPictureMatch {
  int worst = 0;
  std::size_t opaque = 0;
};
StillPictureMatch compare_with_picture(const Image& picture, const Image& shown) {
  StillPictureMatch match;
  for (int y = 0; y < picture.height; ++y) {
    for (int x = 0; x < picture.width; ++x) {
      const std::uint8_t* p = picture.at(x, y);
      const std::uint8_t* q = shown.at(x, y);
      if (p[3] == 255) {
        ++match.opaque;
        for (int c = 0; c < 4; ++c) match.worst = std::max(match.worst, std::abs(p[c] - q[c]));
      } else if (p[3] == 0) {
        match.worst = std::max({match.worst, int(q[0]), int(q[1]), int(q[2]), int(q[3])});
      }
    }
  }
  return match;
}

}  // namespace

TEST_CASE("obs: the module registers a localized source and get_properties(NULL) works", "[obs]") {
  ObsHost::get();
  const char* name = obs_source_get_display_name(kAvatarId);
  REQUIRE(name != nullptr);
  CHECK(std::string(name) == "THA4 Avatar");
  obs_properties_t* props = obs_get_source_properties(kAvatarId);  // the type's properties: data == NULL
  REQUIRE(props != nullptr);
  obs_property_t* folder = obs_properties_get(props, "model_folder");
  REQUIRE(folder != nullptr);
  CHECK(std::string(obs_property_description(folder)) == "Character model folder");
  for (const char* key :
       {"engine", "tracking_input", "obs_video_source", "phone_address", "vmc_port", "openseeface_port", "calibrate",
        "mirror", "smoothing", "eyebrow_down_mode", "iris_size", "gaze", "breaths_per_minute", "auto_blink",
        "expression", "lip_sync", "audio_source", "output_scale"}) {
    INFO(key);
    CHECK(obs_properties_get(props, key) != nullptr);
  }
  CHECK(obs_properties_get(props, "status") == nullptr);  // no instance, no status line
  obs_properties_destroy(props);
}

TEST_CASE("obs: the source renders a pose like the CLI and is transparent around the character", "[obs]") {
  ObsHost::get();
  const std::string model = model_folder("lambda_00");
  const Image expected = render_with_cli(model, kPose, "fast");
  Avatar avatar(still_settings(model, kPose));
  CHECK(obs_source_get_width(avatar.source.get()) == 512);
  const Image shown =
      settled_render(avatar.source.get(), [&](const Image& i) { return max_difference(i, expected) <= 2; });
  const int difference = max_difference(shown, expected);
  INFO("max difference to `tha4 render`: " << difference);
  CHECK(difference <= 2);
  // Transparent where the CLI's image is: corners and the background around the character.
  const TransparentArea transparent = transparent_area(shown, expected);
  CHECK(transparent.pixels > 50000);
  CHECK(transparent.leaked == 0);
  CHECK(shown.at(0, 0)[3] == 0);
  CHECK(opaque_pixels(shown) > 30000);
  if (const char* dump = std::getenv("THA4_OBS_DUMP")) write_png(shown, std::string(dump) + "/offscreen.png");
}

TEST_CASE("obs: the GPU path's staging texture and sRGB conversion keep the frame's bytes", "[obs][gpu-path]") {
  // The OBS half of the CUDA zero-copy path (plugin/obs/avatar_texture.h): frames land in a GS_RGBA_UNORM
  // staging texture, as CUDA writes them, and one draw converts it into the sRGB texture that is shown.
  // Here host bytes take that route, so it is tested without a GPU; the conversion must be lossless.
  setenv("THA4_TEXTURE_VIA_STAGING", "1", 1);
  ObsHost::get();
  const std::string model = model_folder("lambda_00");
  const Image expected = render_with_cli(model, kPose, "fast");
  Avatar avatar(still_settings(model, kPose));
  const Image shown =
      settled_render(avatar.source.get(), [&](const Image& i) { return max_difference(i, expected) <= 2; });
  const int difference = max_difference(shown, expected);
  INFO("max difference to `tha4 render`: " << difference);
  CHECK(difference <= 1);
  CHECK(transparent_area(shown, expected).leaked == 0);
  CHECK(opaque_pixels(shown) > 30000);
  unsetenv("THA4_TEXTURE_VIA_STAGING");
}

TEST_CASE("obs: composited over a colour in a scene through OBS's output with no fringe", "[obs]") {
  ObsHost::get();
  const std::string model = model_folder("lambda_00");
  const Image avatar_pixels = render_with_cli(model, kPose, "fast");
  obs_scene_t* scene = obs_scene_create("composite");
  obs_data_t* color_settings = obs_data_create();
  obs_data_set_int(color_settings, "color", 0xFF20C040);  // ABGR: R=0x40 G=0xC0 B=0x20
  obs_data_set_int(color_settings, "width", kCanvas);
  obs_data_set_int(color_settings, "height", kCanvas);
  SourceRef background(obs_get_latest_input_type_id("color_source"), "background", color_settings);
  obs_data_release(color_settings);
  obs_scene_add(scene, background.get());
  obs_data_t* avatar_settings = still_settings(model, kPose);
  SourceRef avatar(kAvatarId, "avatar", avatar_settings);
  obs_data_release(avatar_settings);
  obs_scene_add(scene, avatar.get());
  obs_set_output_source(0, obs_scene_get_source(scene));

  // Expected: OBS blends premultiplied colour over the background in linear light.
  const double background_linear[3] = {srgb_to_linear(0x40 / 255.0), srgb_to_linear(0xC0 / 255.0),
                                       srgb_to_linear(0x20 / 255.0)};
  Image expected = avatar_pixels;
  for (int y = 0; y < expected.height; ++y) {
    for (int x = 0; x < expected.width; ++x) {
      const std::uint8_t* a = avatar_pixels.at(x, y);
      std::uint8_t* e = &expected.rgba[(static_cast<std::size_t>(y) * expected.width + x) * 4];
      const double alpha = a[3] / 255.0;
      for (int c = 0; c < 3; ++c) {
        const double linear = srgb_to_linear(a[c] / 255.0) + background_linear[c] * (1.0 - alpha);
        e[c] = static_cast<std::uint8_t>(std::lround(255.0 * linear_to_srgb(std::min(1.0, linear))));
      }
      e[3] = 255;
    }
  }
  OutputCapture capture;
  int difference = 255;
  Image output;
  wait_until(
      [&] {
        capture.wait_frames(1, 2s);
        output = capture.latest();
        difference = max_difference(output, expected);
        return difference <= 3;
      },
      60s);
  if (const char* dump = std::getenv("THA4_OBS_DUMP")) write_png(output, std::string(dump) + "/composite.png");
  INFO("max difference to the linear-light composite: " << difference);
  CHECK(difference <= 3);
  // The background shows through unchanged where the character is transparent (no halo, no green).
  CHECK(std::abs(output.at(5, 5)[0] - 0x40) <= 1);
  CHECK(std::abs(output.at(5, 5)[1] - 0xC0) <= 1);
  obs_set_output_source(0, nullptr);
  obs_scene_release(scene);
}

TEST_CASE("obs: pose model and engine changes reach the output", "[obs]") {
  ObsHost::get();
  const std::string lambda_00 = model_folder("lambda_00");
  const std::string lambda_01 = model_folder("lambda_01");
  const std::string other_pose = "head_x=-0.5, eye_happy_wink=1, mouth_iii=0.8";
  Avatar avatar(still_settings(lambda_00, kPose));
  const auto shows = [&](const Image& expected) {
    const Image shown =
        settled_render(avatar.source.get(), [&](const Image& i) { return max_difference(i, expected) <= 2; });
    const int difference = max_difference(shown, expected);
    INFO("max difference " << difference);
    return difference <= 2;
  };
  CHECK(shows(render_with_cli(lambda_00, kPose, "fast")));
  avatar.source.update([&](obs_data_t* s) { obs_data_set_string(s, "base_pose", other_pose.c_str()); });
  const Image posed = render_with_cli(lambda_00, other_pose, "fast");
  CHECK(max_difference(posed, render_with_cli(lambda_00, kPose, "fast")) > 50);
  CHECK(shows(posed));
  avatar.source.update([&](obs_data_t* s) { obs_data_set_string(s, "model_folder", lambda_01.c_str()); });
  CHECK(shows(render_with_cli(lambda_01, other_pose, "fast")));
  avatar.source.update([&](obs_data_t* s) { obs_data_set_string(s, "engine", "cpu_reference"); });
  // The engines agree within 2/255, so wait for the switch itself before comparing pixels.
  CHECK(wait_until([&] { return status_line(avatar.source.get()).find("reference") != std::string::npos; }, 60s));
  CHECK(shows(render_with_cli(lambda_01, other_pose, "reference")));
  avatar.source.update([&](obs_data_t* s) { obs_data_set_double(s, "output_scale", 0.5); });
  CHECK(wait_until([&] { return obs_source_get_width(avatar.source.get()) == 256; }, 5s));
}

TEST_CASE("obs: a corrupt model shows the error and the still character and recovers", "[obs]") {
  ObsHost::get();
  namespace fs = std::filesystem;
  const fs::path broken = fs::temp_directory_path() / ("tha4-obs-broken-" + std::to_string(::getpid()));
  fs::remove_all(broken);
  fs::copy(model_folder("lambda_00"), broken, fs::copy_options::recursive);
  fs::resize_file(broken / "body_morpher.pt", fs::file_size(broken / "body_morpher.pt") / 2);

  Avatar avatar(still_settings(broken.string(), kPose));
  std::string status;
  CHECK(wait_until(
      [&] {
        status = status_line(avatar.source.get());
        return status.find("body_morpher.pt") != std::string::npos;
      },
      30s));
  INFO("status: " << status);
  CHECK(status.find("Not running") != std::string::npos);
  // The still character: where the picture is opaque the colours are the picture's.
  const Image picture = read_png((broken / "character.png").string());
  const Image still = settled_render(avatar.source.get(), [](const Image& i) { return opaque_pixels(i) > 0; });
  REQUIRE(!still.empty());
  const StillPictureMatch match = compare_with_picture(picture, still);
  CHECK(match.opaque > 30000);
  CHECK(match.worst <= 1);
  // Fixing the setting recovers without recreating the source.
  avatar.source.update(
      [&](obs_data_t* s) { obs_data_set_string(s, "model_folder", model_folder("lambda_00").c_str()); });
  const Image expected = render_with_cli(model_folder("lambda_00"), kPose, "fast");
  const Image shown =
      settled_render(avatar.source.get(), [&](const Image& i) { return max_difference(i, expected) <= 2; });
  CHECK(max_difference(shown, expected) <= 2);
  CHECK(wait_until([&] { return status_line(avatar.source.get()).find("Running") != std::string::npos; }, 10s));
  fs::remove_all(broken);
}

TEST_CASE("obs: a distilled character renders and a distillation in progress shows its newest snapshot",
          "[obs][distill]") {
  ObsHost::get();
  namespace fs = std::filesystem;
  // The prefix of the tiny distillation fixture (tests/test_distill_cli.cpp).
  const char* fixture = std::getenv("THA4_DISTILL_FIXTURE");
  REQUIRE(fixture != nullptr);
  const fs::path prefix = fs::path(fixture) / "prefix";
  REQUIRE(fs::exists(prefix / "character_model" / "character_model.yaml"));
  const Image expected = render_with_cli((prefix / "character_model").string(), kPose, "fast");
  {
    // The prefix itself as the model folder: its finished character_model/.
    Avatar avatar(still_settings(prefix.string(), kPose));
    const Image shown =
        settled_render(avatar.source.get(), [&](const Image& i) { return max_difference(i, expected) <= 2; });
    INFO("max difference to `tha4 render` of the distilled model: " << max_difference(shown, expected));
    CHECK(max_difference(shown, expected) <= 2);
    CHECK(opaque_pixels(shown) > 30000);
  }
  // The same prefix while the distiller is still at work: no character_model/ yet.
  const fs::path running = fs::temp_directory_path() / ("tha4-obs-distilling-" + std::to_string(::getpid()));
  fs::remove_all(running);
  fs::create_directories(running);
  for (const char* part : {"face_morpher", "body_morpher"})
    fs::copy(prefix / part, running / part, fs::copy_options::recursive);
  Avatar avatar(still_settings(running.string(), kPose));
  std::string status;
  CHECK(wait_until(
      [&] {
        status = status_line(avatar.source.get());
        return status.find("distillation in progress") != std::string::npos;
      },
      30s));
  INFO("status: " << status);
  CHECK(status.find("Running") != std::string::npos);
  const Image preview = settled_render(avatar.source.get(), [](const Image& i) { return opaque_pixels(i) > 30000; });
  CHECK(opaque_pixels(preview) > 30000);
  // The run finishes: the source notices the character model and switches to it by itself.
  fs::copy(prefix / "character_model", running / "character_model", fs::copy_options::recursive);
  CHECK(wait_until(
      [&] {
        status = status_line(avatar.source.get());
        return status.find("distillation in progress") == std::string::npos &&
               status.find("Running") != std::string::npos;
      },
      30s));
  const Image finished =
      settled_render(avatar.source.get(), [&](const Image& i) { return max_difference(i, expected) <= 2; });
  CHECK(max_difference(finished, expected) <= 2);
  fs::remove_all(running);
}

TEST_CASE("obs: create and destroy loops and a settings storm neither crash nor leak", "[obs]") {
  ObsHost::get();
  const std::string lambda_00 = model_folder("lambda_00");
  const std::string lambda_01 = model_folder("lambda_01");
  for (int i = 0; i < 8; ++i) {
    Avatar avatar(still_settings(i % 2 ? lambda_01 : lambda_00, kPose));
    std::this_thread::sleep_for(std::chrono::milliseconds(40 * i));  // destroyed while loading, or after
  }
  Avatar avatar(still_settings(lambda_00, kPose));
  const char* engines[] = {"cpu_fast", "cpu_reference", "auto", "cuda"};
  for (int i = 0; i < 300; ++i) {
    avatar.source.update([&](obs_data_t* s) {
      obs_data_set_string(s, "base_pose", ("head_y=" + std::to_string((i % 21 - 10) / 10.0)).c_str());
      obs_data_set_string(s, "engine", engines[i % 4]);
      obs_data_set_string(s, "model_folder", i % 7 == 0 ? "/nonexistent" : (i % 3 ? lambda_00 : lambda_01).c_str());
      obs_data_set_string(s, "tracking_input", i % 5 == 0 ? "vmc" : "none");
      obs_data_set_int(s, "vmc_port", 0);
    });
    if (i % 50 == 0) obs_properties_destroy(obs_source_properties(avatar.source.get()));
  }
  const std::string final_pose = "head_y=0.4, mouth_ooo=1";
  avatar.source.update([&](obs_data_t* s) {
    obs_data_set_string(s, "base_pose", final_pose.c_str());
    obs_data_set_string(s, "engine", "cpu_fast");
    obs_data_set_string(s, "model_folder", lambda_00.c_str());
    obs_data_set_string(s, "tracking_input", "none");
  });
  const Image expected = render_with_cli(lambda_00, final_pose, "fast");
  const Image shown =
      settled_render(avatar.source.get(), [&](const Image& i) { return max_difference(i, expected) <= 2; });
  CHECK(max_difference(shown, expected) <= 2);
  // main() then shuts libobs down and fails the run if libobs counts a leaked allocation.
}

TEST_CASE("obs: a slow engine lowers the avatar's frame rate but never OBS's", "[obs][threading]") {
  ObsHost::get();
  obs_data_t* settings = still_settings(model_folder("lambda_00"), "");
  obs_data_set_int(settings, "debug_min_render_ms", 400);     // a machine 10x too slow for 30 fps
  obs_data_set_double(settings, "breaths_per_minute", 60.0);  // a new pose every frame
  SourceRef avatar(kAvatarId, "slow avatar", settings);
  obs_data_release(settings);
  obs_set_output_source(0, avatar.get());
  // Until the first frame is finished (a sanitizer build renders far slower than 400 ms).
  CHECK(wait_until(
      [&] {
        return status_line(avatar.get()).find(" frames/s, 0.0 ms") == std::string::npos &&
               status_line(avatar.get()).find(" frames/s") != std::string::npos;
      },
      120s));

  OutputCapture capture;
  const std::uint32_t lagged_before = obs_get_lagged_frames();
  const std::uint32_t total_before = obs_get_total_frames();
  const auto start = std::chrono::steady_clock::now();
  // Meanwhile, a storm of settings updates (applied on OBS's graphics thread) must not stall it either.
  for (int i = 0; i < 60; ++i) {
    avatar.update([&](obs_data_t* s) { obs_data_set_double(s, "smoothing", (i % 10) / 10.0); });
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const int frames = capture.frames();
  const std::uint32_t rendered = obs_get_total_frames() - total_before;
  const std::uint32_t lagged = obs_get_lagged_frames() - lagged_before;
  const std::string status = status_line(avatar.get());
  INFO("OBS output " << frames << " frames in " << seconds << " s, rendered " << rendered << ", lagged " << lagged
                     << ", average frame time " << obs_get_average_frame_time_ns() / 1e6 << " ms; avatar: " << status);
  // OBS kept its frame rate: every frame delivered, none lagged, each rendered well inside its 33 ms budget
  // (on a 2-core CI machine OBS's software GL shares the cores with the engine, so only the budget is fixed).
  CHECK(frames >= static_cast<int>(0.9 * 30 * seconds));
  CHECK(lagged <= 2);
  CHECK(obs_get_average_frame_time_ns() < 33'000'000ULL);
  // ...while the avatar itself rendered (each frame taking at least the forced 400 ms) at most
  // 1000/400 = 2.5 frames per second.
  REQUIRE(status.find(" frames/s") != std::string::npos);
  double avatar_fps = 0.0;
  double frame_ms = 0.0;
  REQUIRE(std::sscanf(status.c_str() + status.find('\n') + 1, "%lf frames/s, %lf ms", &avatar_fps, &frame_ms) == 2);
  CHECK(frame_ms >= 400.0);
  CHECK(avatar_fps <= 2.6);
  obs_set_output_source(0, nullptr);
}

TEST_CASE("obs: the frame-rate cap holds, and the governor backs off when renders slow down and says why",
          "[obs][governor]") {
  ObsHost::get();
  obs_data_t* settings = still_settings(model_folder("lambda_00"), "");
  obs_data_set_double(settings, "breaths_per_minute", 60.0);  // a new pose every frame
  obs_data_set_int(settings, "max_fps", 2);
  // Renders take at least 400 ms (longer than the engine itself takes, even on a busy 2-core machine), so
  // the governor sees the render times the test sets.
  obs_data_set_int(settings, "debug_min_render_ms", 400);
  SourceRef avatar(kAvatarId, "governed avatar", settings);
  obs_data_release(settings);
  obs_set_output_source(0, avatar.get());
  const auto status_has = [&](const char* text) { return status_line(avatar.get()).find(text) != std::string::npos; };
  const auto avatar_fps = [&] {
    const std::string status = status_line(avatar.get());
    double fps = -1.0;
    const std::size_t line = status.find('\n');
    if (line != std::string::npos) std::sscanf(status.c_str() + line + 1, "%lf frames/s", &fps);
    return fps;
  };
  REQUIRE(wait_until([&] { return status_has("Running") && status_has("Governor: up to 2 frames/s"); }, 120s));
  std::this_thread::sleep_for(4s);  // the rate is counted over the last two seconds
  INFO(status_line(avatar.get()));
  CHECK(avatar_fps() > 1.0);
  CHECK(avatar_fps() <= 2.2);

  // Uncapped, the governor knows the calm render time (400 ms), then the renders take 2.5 times as long, as
  // when a game takes the cores: it lowers the frame rate and says why.
  avatar.update([](obs_data_t* s) { obs_data_set_int(s, "max_fps", 0); });
  CHECK(wait_until([&] { return status_has("Governor: up to 30 frames/s"); }, 10s));
  std::this_thread::sleep_for(3s);
  avatar.update([](obs_data_t* s) { obs_data_set_int(s, "debug_min_render_ms", 1000); });
  CHECK(wait_until([&] { return status_has("Governor: at most") && status_has("(machine busy)"); }, 15s));
  // Off, it holds nothing back.
  avatar.update([](obs_data_t* s) { obs_data_set_bool(s, "governor", false); });
  CHECK(wait_until([&] { return status_has("Governor: off, 30 frames/s"); }, 10s));
  obs_set_output_source(0, nullptr);
}

TEST_CASE("obs: 'make a real-time model' runs tha4 distill beside OBS, and the source switches to the finished model",
          "[obs][distill]") {
  ObsHost::get();
  // tha4 is played by a script that finishes in a second (tests/fake_tha4_distill.sh); the real `tha4 distill`
  // is tested in tests/test_distill_cli.cpp.
  setenv("THA4_PROGRAM", (std::string(THA4_SOURCE_DIR) + "/tests/fake_tha4_distill.sh").c_str(), 1);
  setenv("FAKE_DISTILL", "finish", 1);
  setenv("FAKE_DISTILL_MODEL", model_folder("lambda_01").c_str(), 1);
  obs_data_t* settings = still_settings(model_folder("lambda_00"), "");
  obs_data_set_string(settings, "distill_teacher", "/nonexistent-teacher");  // the script needs none
  SourceRef avatar(kAvatarId, "distilling avatar", settings);
  obs_data_release(settings);
  obs_set_output_source(0, avatar.get());
  const auto first_line = [&] { return status_line(avatar.get()).substr(0, status_line(avatar.get()).find('\n')); };
  REQUIRE(wait_until([&] { return first_line().find("Running: lambda_00") != std::string::npos; }, 60s));

  obs_properties_t* props = obs_source_properties(avatar.get());
  obs_property_t* start = obs_properties_get(props, "distill_start");
  REQUIRE(start != nullptr);
  CHECK(obs_properties_get(props, "distill_stop") != nullptr);
  obs_property_button_clicked(start, avatar.get());
  obs_properties_destroy(props);

  // The run lives in OBS's config folder for the plugin, named after the model, and stays in the settings
  // (with distill_active), so it resumes after OBS restarts.
  obs_data_t* saved = obs_source_get_settings(avatar.get());
  const std::string prefix = obs_data_get_string(saved, "distill_prefix");
  CHECK(obs_data_get_bool(saved, "distill_active"));
  CHECK(std::string(obs_data_get_string(saved, "distill_picture")).find("lambda_00/character.png") !=
        std::string::npos);
  obs_data_release(saved);
  CHECK(prefix.find("distill/lambda_00") != std::string::npos);

  CHECK(wait_until([&] { return status_line(avatar.get()).find("Real-time model: finished") != std::string::npos; },
                   30s));
  CHECK(wait_until(
      [&] { return first_line().find("Running") == 0 && first_line().find("lambda_00") == std::string::npos; }, 30s));
  INFO(status_line(avatar.get()));
  CHECK(std::filesystem::is_regular_file(std::filesystem::path(prefix) / "character_model" / "character_model.yaml"));
  obs_set_output_source(0, nullptr);
  unsetenv("THA4_PROGRAM");
}

TEST_CASE("obs: a source with only a picture shows it still while its real-time model is made, then runs the model",
          "[obs][distill]") {
  ObsHost::get();
  setenv("THA4_PROGRAM", (std::string(THA4_SOURCE_DIR) + "/tests/fake_tha4_distill.sh").c_str(), 1);
  setenv("FAKE_DISTILL", "hang", 1);  // a run that has not learnt the face yet
  const std::string picture_file = model_folder("lambda_01") + "/character.png";
  obs_data_t* settings = still_settings("", "");
  obs_data_set_string(settings, "character_image", picture_file.c_str());
  obs_data_set_string(settings, "distill_teacher", "/nonexistent-teacher");  // no full system to stand in
  SourceRef avatar(kAvatarId, "picture-only avatar", settings);
  obs_data_release(settings);
  obs_set_output_source(0, avatar.get());
  // The picture itself, not a grey placeholder, and the status says what to do with it.
  REQUIRE(wait_until(
      [&] { return status_line(avatar.get()).find("make a real-time model of this picture") != std::string::npos; },
      30s));
  CHECK(status_line(avatar.get()).find("the still picture character.png") != std::string::npos);
  const Image still = settled_render(avatar.get(), [](const Image& i) { return opaque_pixels(i) > 0; });
  REQUIRE(!still.empty());
  const StillPictureMatch match = compare_with_picture(read_png(picture_file), still);
  CHECK(match.opaque > 30000);
  CHECK(match.worst <= 1);

  obs_properties_t* props = obs_source_properties(avatar.get());
  obs_property_button_clicked(obs_properties_get(props, "distill_start"), avatar.get());
  obs_properties_destroy(props);
  obs_data_t* saved = obs_source_get_settings(avatar.get());
  CHECK(std::string(obs_data_get_string(saved, "distill_picture")) == picture_file);
  const std::filesystem::path prefix = obs_data_get_string(saved, "distill_prefix");
  obs_data_release(saved);
  // Until the run has learnt the face: still the picture, now with the reason.
  CHECK(wait_until(
      [&] { return status_line(avatar.get()).find("until the real-time model being made") != std::string::npos; },
      10s));
  // The run finishes (its model appears): the source runs it, rendering the pose like the CLI does.
  std::filesystem::remove_all(prefix / "character_model");
  std::filesystem::copy(model_folder("lambda_01"), prefix / "character_model",
                        std::filesystem::copy_options::recursive);
  const auto first_line = [&] { return status_line(avatar.get()).substr(0, status_line(avatar.get()).find('\n')); };
  CHECK(wait_until([&] { return first_line().find("Running") == 0; }, 30s));
  INFO(status_line(avatar.get()));
  const Image expected = render_with_cli(model_folder("lambda_01"), "", "fast");
  const Image shown = settled_render(avatar.get(), [&](const Image& i) { return max_difference(i, expected) <= 2; });
  CHECK(max_difference(shown, expected) <= 2);
  obs_set_output_source(0, nullptr);
  std::filesystem::remove_all(prefix);
  unsetenv("THA4_PROGRAM");
}

namespace {
obs_hotkey_id find_hotkey(const std::string& name) {
  struct Search {
    std::string name;
    obs_hotkey_id id = OBS_INVALID_HOTKEY_ID;
  } search{name};
  obs_enum_hotkeys(
      [](void* data, obs_hotkey_id id, obs_hotkey_t* hotkey) {
        auto* s = static_cast<Search*>(data);
        if (s->name == obs_hotkey_get_name(hotkey)) s->id = id;
        return true;
      },
      &search);
  return search.id;
}
}  // namespace

TEST_CASE("obs: expression hotkeys layer a preset while held", "[obs]") {
  ObsHost::get();
  const std::string model = model_folder("lambda_00");
  Avatar avatar(still_settings(model, ""));
  const Image rest = render_with_cli(model, "", "fast");
  const auto settled_to = [&](const Image& expected) {
    return max_difference(
               settled_render(avatar.source.get(), [&](const Image& i) { return max_difference(i, expected) <= 2; }),
               expected) <= 2;
  };
  CHECK(settled_to(rest));
  const obs_hotkey_id surprised = find_hotkey("tha4_avatar.expression.surprised");
  REQUIRE(surprised != OBS_INVALID_HOTKEY_ID);
  CHECK(find_hotkey("tha4_avatar.calibrate") != OBS_INVALID_HOTKEY_ID);
  CHECK(find_hotkey("tha4_avatar.pause_tracking") != OBS_INVALID_HOTKEY_ID);
  obs_hotkey_enable_callback_rerouting(true);
  obs_hotkey_trigger_routed_callback(surprised, true);
  // data/expressions.txt: surprised = eyebrow_raised=1, eye_surprised=1, mouth_ooo=0.8, mouth_aaa=0
  const Image expression = render_with_cli(model, "eyebrow_raised=1, eye_surprised=1, mouth_ooo=0.8", "fast");
  CHECK(settled_to(expression));
  obs_hotkey_trigger_routed_callback(surprised, false);
  CHECK(settled_to(rest));
}

TEST_CASE("obs: frames of another OBS source drive the face tracker", "[obs][tracking]") {
  ObsHost::get();
  obs_data_t* image_settings = obs_data_create();
  const std::string face = std::string(THA4_SOURCE_DIR) + "/../shared/tracking/dlib-faces/Tom_Cruise_avp_2014_4.jpg";
  obs_data_set_string(image_settings, "file", face.c_str());
  SourceRef camera("image_source", "webcam stand-in", image_settings);
  obs_data_release(image_settings);
  obs_data_t* settings = still_settings(model_folder("lambda_00"), "");
  obs_data_set_string(settings, "tracking_input", "obs_source");
  obs_data_set_string(settings, "obs_video_source", "webcam stand-in");
  Avatar avatar(settings);
  std::string status;
  CHECK(wait_until(
      [&] {
        status = status_line(avatar.source.get());
        return status.find("Tracking: tracking") != std::string::npos ||
               status.find("Tracking: calibrating") != std::string::npos;
      },
      60s));
  INFO("status: " << status);
  CHECK(status.find("no face") == std::string::npos);
}

TEST_CASE("obs: lip sync opens the mouth with a voice and keeps it shut in silence", "[obs][audio]") {
  ObsHost::get();
  SourceRef voice(register_test_voice_source(), "microphone", nullptr);
  auto* tone = static_cast<TestVoice*>(obs_obj_get_data(voice.get()));
  const std::string model = model_folder("lambda_00");
  obs_data_t* settings = still_settings(model, "");
  obs_data_set_string(settings, "lip_sync", "when_no_face");
  obs_data_set_string(settings, "audio_source", "microphone");
  Avatar avatar(settings);
  const Image rest = render_with_cli(model, "", "fast");
  const Image silent =
      settled_render(avatar.source.get(), [&](const Image& i) { return max_difference(i, rest) <= 2; });
  CHECK(max_difference(silent, rest) <= 2);
  tone->voiced = true;
  Image speaking;
  CHECK(wait_until(
      [&] {
        speaking = ObsHost::get().render_offscreen(avatar.source.get());
        return max_difference(speaking, rest) > 40;
      },
      30s));
  tone->voiced = false;
  const Image closed =
      settled_render(avatar.source.get(), [&](const Image& i) { return max_difference(i, rest) <= 2; });
  CHECK(max_difference(closed, rest) <= 2);
}

TEST_CASE("obs: the source renders the same through a filter and inside a group", "[obs]") {
  ObsHost::get();
  const std::string model = model_folder("lambda_00");
  const Image expected = render_with_cli(model, kPose, "fast");
  Avatar avatar(still_settings(model, kPose));
  // A filter chain: OBS renders the source into the filter's texture first (Crop/Pad with no crop draws it
  // unchanged), so the blend state and colour space the source sets must survive that detour.
  obs_data_t* crop_settings = obs_data_create();
  obs_source_t* crop = obs_source_create_private("crop_filter", "crop", crop_settings);
  obs_data_release(crop_settings);
  REQUIRE(crop != nullptr);
  obs_source_filter_add(avatar.source.get(), crop);
  const Image filtered =
      settled_render(avatar.source.get(), [&](const Image& i) { return max_difference(i, expected) <= 2; });
  INFO("through the filter: max difference " << max_difference(filtered, expected));
  CHECK(max_difference(filtered, expected) <= 2);
  obs_source_filter_remove(avatar.source.get(), crop);
  obs_source_release(crop);
  // A group inside a scene, rendered as the scene.
  obs_scene_t* scene = obs_scene_create_private("grouped");
  obs_sceneitem_t* group = obs_scene_add_group(scene, "group");
  obs_scene_t* group_scene = obs_group_from_source(obs_sceneitem_get_source(group));
  obs_scene_add(group_scene, avatar.source.get());
  const Image grouped =
      settled_render(obs_scene_get_source(scene), [&](const Image& i) { return max_difference(i, expected) <= 2; });
  INFO("inside a group: max difference " << max_difference(grouped, expected));
  CHECK(max_difference(grouped, expected) <= 2);
  obs_scene_release(scene);
}

TEST_CASE("obs: a camera that is gone and a port in use are reported and the avatar keeps rendering", "[obs]") {
  ObsHost::get();
  const std::string model = model_folder("lambda_00");
  obs_data_t* camera_settings = still_settings(model, kPose);
  obs_data_set_string(camera_settings, "tracking_input", "camera");
  obs_data_set_string(camera_settings, "camera_device", "/dev/video97");
  Avatar camera_avatar(camera_settings, "camera avatar");
  std::string status;
  CHECK(wait_until(
      [&] {
        status = status_line(camera_avatar.source.get());
        return status.find("Tracking: cannot open the camera /dev/video97") != std::string::npos;
      },
      30s));
  INFO("camera status: " << status);
  const Image expected = render_with_cli(model, kPose, "fast");
  const Image shown =
      settled_render(camera_avatar.source.get(), [&](const Image& i) { return max_difference(i, expected) <= 2; });
  CHECK(max_difference(shown, expected) <= 2);

  // Two avatars cannot both listen on one VMC port: the second says so.
  obs_data_t* first = still_settings(model, kPose);
  obs_data_set_string(first, "tracking_input", "vmc");
  obs_data_set_int(first, "vmc_port", 39593);
  Avatar listening(first, "first vmc avatar");
  CHECK(wait_until([&] { return status_line(listening.source.get()).find("Running") != std::string::npos; }, 30s));
  obs_data_t* second = still_settings(model, kPose);
  obs_data_set_string(second, "tracking_input", "vmc");
  obs_data_set_int(second, "vmc_port", 39593);
  Avatar refused(second, "second vmc avatar");
  CHECK(wait_until(
      [&] {
        status = status_line(refused.source.get());
        return status.find("Problem: tracking:") != std::string::npos;
      },
      30s));
  INFO("second avatar status: " << status);
  CHECK(status.find("39593") != std::string::npos);
  const Image still_rendering =
      settled_render(refused.source.get(), [&](const Image& i) { return max_difference(i, expected) <= 2; });
  CHECK(max_difference(still_rendering, expected) <= 2);
}

}  // namespace tha4::obs_test
