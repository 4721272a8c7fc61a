// The OBS source's engine room without OBS: pose composition, interpolation, idle animation, expression
// presets, the frame mailbox, the locale files, and the runtime end to end on the real lambda_00 model.
#include "inference/image/display.h"
#include "inference/student/character_model.h"
#include "inference/engine/make_poser.h"
#include "inference/student/student_engine.h"
#include "inference/util/errors.h"
#include "plugin/runtime/avatar_poser.h"
#include "plugin/runtime/avatar_runtime.h"
#include "plugin/runtime/frame_mailbox.h"
#include "inference/engine/full_system_poser.h"
#include "plugin/runtime/idle_animation.h"
#include "plugin/runtime/pose_composer.h"
#include "plugin/runtime/pose_interpolator.h"
#include "tests/test_support.h"

#include <catch2/catch.hpp>

#include <chrono>
#include <cmath>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

namespace tha4::avatar {
namespace {

using Catch::Matchers::Contains;

int at(const char* name) { return *find_pose_parameter(name); }

std::string read_text(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::map<std::string, std::string> read_locale(const std::string& name) {
  std::map<std::string, std::string> entries;
  std::istringstream lines(read_text(std::filesystem::path(THA4_SOURCE_DIR) / "locale" / name));
  std::string line;
  while (std::getline(lines, line)) {
    const std::size_t equals = line.find('=');
    if (line.empty() || equals == std::string::npos) continue;
    entries[line.substr(0, equals)] = line.substr(equals + 1);
  }
  return entries;
}

AvatarSettings still(const std::string& pose) {
  AvatarSettings settings;
  settings.model_folder = (test::models_dir() / "lambda_00").string();
  settings.engine = EngineChoice::kCpuFast;
  settings.cpu_threads = 2;
  settings.base_pose = pose;
  settings.pose_tuning.breaths_per_minute = 0.0;
  settings.auto_blink = false;
  return settings;
}

bool wait_for(const std::function<bool()>& done, double seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return done();
}

}  // namespace

TEST_CASE("avatar runtime: the interpolator renders between tracker samples and never extrapolates", "[avatar]") {
  PoseInterpolator interpolator;
  Pose pose{};
  CHECK_FALSE(interpolator.pose_at(0.0, pose));
  Pose a{};
  Pose b{};
  a[at("head_y")] = 0.0F;
  b[at("head_y")] = 1.0F;
  Pose c = b;
  c[at("head_y")] = 0.5F;
  interpolator.add(a, 10.0);
  interpolator.add(b, 10.1);
  interpolator.add(c, 10.2);
  interpolator.add(a, 10.15);  // out of order: ignored
  CHECK(interpolator.delay_s() == Approx(0.1));
  // At 10.25 the renderer shows time 10.15: halfway between b and c.
  REQUIRE(interpolator.pose_at(10.25, pose));
  CHECK(pose[at("head_y")] == Approx(0.75F));
  // Long after the last sample: hold it.
  REQUIRE(interpolator.pose_at(20.0, pose));
  CHECK(pose[at("head_y")] == Approx(0.5F));
  // 30 Hz samples rendered at 60 Hz: every display frame gets a distinct pose, monotonic like the input.
  PoseInterpolator smooth;
  for (int i = 0; i < 10; ++i) {
    Pose p{};
    p[at("head_x")] = static_cast<float>(i) / 10.0F;
    smooth.add(p, i / 30.0);
  }
  float previous = -1.0F;
  for (int frame = 4; frame < 18; ++frame) {
    REQUIRE(smooth.pose_at(frame / 60.0, pose));
    CHECK(pose[at("head_x")] > previous);
    previous = pose[at("head_x")];
  }
}

TEST_CASE("avatar runtime: mirroring swaps sides and turns the other way", "[avatar]") {
  Pose pose{};
  pose[at("eye_wink_left")] = 1.0F;
  pose[at("mouth_raised_corner_right")] = 0.4F;
  pose[at("head_x")] = 0.3F;
  pose[at("head_y")] = 0.5F;
  pose[at("neck_z")] = -0.2F;
  pose[at("iris_rotation_y")] = 0.7F;
  const Pose mirrored = mirror_pose(pose);
  CHECK(mirrored[at("eye_wink_left")] == 0.0F);
  CHECK(mirrored[at("eye_wink_right")] == 1.0F);
  CHECK(mirrored[at("mouth_raised_corner_left")] == 0.4F);
  CHECK(mirrored[at("head_x")] == 0.3F);  // nodding looks the same in a mirror
  CHECK(mirrored[at("head_y")] == -0.5F);
  CHECK(mirrored[at("neck_z")] == 0.2F);
  CHECK(mirrored[at("iris_rotation_y")] == -0.7F);
  CHECK(mirror_pose(mirrored) == pose);
}

TEST_CASE("avatar runtime: the composer layers tracking, calibration, gaze, iris size and presets", "[avatar]") {
  PoseComposer composer;
  AvatarSettings settings;
  settings.tracking = TrackingInput::kVmc;
  settings.pose_tuning.mirror = false;
  settings.smoothing = 0.0;
  settings.pose_tuning.breaths_per_minute = 0.0;
  settings.auto_blink = false;
  settings.base_pose = "mouth_smirk=0.5";
  composer.set_settings(settings);
  composer.set_input_is_camera(false);

  // Before any tracker sample: the base pose.
  Pose pose = composer.motion_at(1.0);
  CHECK(pose[at("mouth_smirk")] == 0.5F);

  tracking::TrackedPose tracked;
  tracked.face_found = true;
  tracked.pose[at("head_y")] = 0.4F;
  tracked.pose[at("iris_rotation_x")] = 0.6F;
  tracked.sequence = 1;
  tracked.timestamp = 1.0;
  CHECK(composer.add_tracked(tracked));
  CHECK_FALSE(composer.add_tracked(tracked));  // the same sample again
  pose = composer.motion_at(1.05);
  CHECK(pose[at("head_y")] == Approx(0.4F));
  CHECK(composer.face_tracked());

  // Calibration: the current head rotation becomes neutral for phone trackers.
  composer.calibrate();
  tracked.sequence = 2;
  tracked.timestamp = 1.1;
  tracked.pose[at("head_y")] = 0.5F;
  composer.add_tracked(tracked);
  pose = composer.motion_at(2.0);
  CHECK(pose[at("head_y")] == Approx(0.1F));

  // Gaze off, smaller irises, NaN from a broken tracker: all handled in the overrides.
  settings.pose_tuning.gaze = false;
  settings.pose_tuning.iris_size = 0.7;
  composer.set_settings(settings);
  pose[at("eye_wink_left")] = std::nanf("");
  composer.apply_overrides(pose, 2.0);
  CHECK(pose[at("iris_rotation_x")] == 0.0F);
  CHECK(pose[at("iris_small_left")] == Approx(0.7F));
  CHECK(pose[at("iris_small_right")] == Approx(0.7F));
  CHECK(pose[at("eye_wink_left")] == 0.0F);

  // A malformed base pose is rejected and the previous one stays.
  settings.base_pose = "mouth_smirk=oops";
  CHECK_THROWS_AS(composer.set_settings(settings), tha4::PoseError);
}

TEST_CASE("avatar runtime: the trackers are rebuilt for their tuning, not for the iris size", "[avatar]") {
  const AvatarSettings settings;
  AvatarSettings changed = settings;
  changed.pose_tuning.iris_size = 0.8;  // the composer applies it to every pose
  changed.smoothing = 0.9;
  CHECK_FALSE(tracking_settings_differ(settings, changed));
  CHECK(tracker_tuning(changed).iris_size == 0.0);
  for (const auto& change :
       {+[](AvatarSettings& s) { s.pose_tuning.mirror = false; },
        +[](AvatarSettings& s) { s.pose_tuning.gaze = false; },
        +[](AvatarSettings& s) { s.pose_tuning.breaths_per_minute = 5.0; },
        +[](AvatarSettings& s) { s.pose_tuning.eyebrow_down_mode = tracking::EyebrowDownMode::kSerious; }}) {
    changed = settings;
    change(changed);
    CHECK(tracking_settings_differ(settings, changed));
  }
}

TEST_CASE("avatar runtime: idle animation breathes and blinks at a human rate", "[avatar]") {
  IdleAnimation idle(12345);
  int blinks = 0;
  bool closed = false;
  double closed_time = 0.0;
  for (int frame = 0; frame <= 60 * 60; ++frame) {  // one minute at 60 fps
    const float closure = idle.blink(frame / 60.0);
    CHECK(closure >= 0.0F);
    CHECK(closure <= 1.0F);
    if (closure > 0.5F && !closed) ++blinks;
    closed = closure > 0.5F;
    if (closed) closed_time += 1.0 / 60.0;
  }
  CHECK(blinks >= 10);  // 2-6 s apart: 10-30 a minute
  CHECK(blinks <= 30);
  CHECK(closed_time < 0.15 * blinks);  // each blink is short
  // Breathing: spec §7.2 cycle, 0 at the start, 1 half a period later.
  CHECK(idle.breathing(100.0, 20.0) == Approx(0.0F).margin(1e-6));
  CHECK(idle.breathing(101.5, 20.0) == Approx(1.0F));
  CHECK(idle.breathing(102.0, 0.0) == 0.0F);
}

TEST_CASE("avatar runtime: the shipped expression presets parse and fade in", "[avatar]") {
  const auto presets = read_expression_presets(std::filesystem::path(THA4_SOURCE_DIR) / "data" / "expressions.txt");
  REQUIRE(presets.size() >= 6);
  const auto english = read_locale("en-US.ini");
  const auto japanese = read_locale("ja-JP.ini");
  for (const auto& preset : presets) {
    INFO(preset.id);
    CHECK(english.count("Expression." + preset.id) == 1);
    CHECK(japanese.count("Expression." + preset.id) == 1);
    CHECK(std::count(preset.overrides.begin(), preset.overrides.end(), true) > 0);
  }
  CHECK_THROWS_WITH(parse_expression_presets("happy: eye_happy_wink=1\nbad line\n", "x.txt"), Contains("x.txt:2"));
  CHECK_THROWS_WITH(parse_expression_presets("sad: not_a_parameter=1\n", "x.txt"), Contains("not_a_parameter"));
  CHECK_THROWS_WITH(parse_expression_presets("a: mouth_aaa=1\na: mouth_iii=1\n", "x.txt"), Contains("twice"));

  ExpressionLayer layer(0.2);
  layer.set_presets(parse_expression_presets("open: mouth_aaa=1\n", "x"));
  Pose pose{};
  pose[at("mouth_iii")] = 0.3F;
  layer.set_active("open", true);
  layer.apply(pose, 0.0);
  CHECK(pose[at("mouth_aaa")] == 0.0F);
  layer.apply(pose, 0.1);  // halfway through the fade
  CHECK(pose[at("mouth_aaa")] == Approx(0.5F));
  pose = Pose{};
  pose[at("mouth_iii")] = 0.3F;
  layer.apply(pose, 0.5);
  CHECK(pose[at("mouth_aaa")] == 1.0F);
  CHECK(pose[at("mouth_iii")] == 0.3F);  // parameters the preset does not name are untouched
}

TEST_CASE("avatar runtime: the locales translate every string the plugin asks for", "[avatar]") {
  const auto english = read_locale("en-US.ini");
  const auto japanese = read_locale("ja-JP.ini");
  std::set<std::string> english_keys;
  for (const auto& [key, value] : english) english_keys.insert(key);
  for (const auto& [key, value] : japanese) {
    INFO("ja-JP has a key en-US lacks: " << key);
    CHECK(english.count(key) == 1);
  }
  for (const auto& key : english_keys) {
    INFO("ja-JP lacks " << key);
    CHECK(japanese.count(key) == 1);
  }
  // Every literal key passed to obs_module_text or T() in the OBS glue exists in en-US.ini, and so does every
  // label of the setting table: its capitalised string literals (saved names are lower case).
  const std::regex lookup(R"re((?:obs_module_text|\bT)\("([A-Za-z.]+)"\))re");
  const std::regex table_label(R"re("([A-Z][A-Za-z]*(?:\.[A-Za-z]+)*)")re");
  int found = 0;
  int table_labels = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::filesystem::path(THA4_SOURCE_DIR) / "plugin" / "obs")) {
    const std::string text = read_text(entry.path());
    const bool table = entry.path().filename() == "setting_table.cpp";
    for (std::sregex_iterator it(text.begin(), text.end(), table ? table_label : lookup), end; it != end; ++it) {
      ++(table ? table_labels : found);
      INFO(entry.path().filename().string() << " uses " << (*it)[1]);
      CHECK(english.count((*it)[1]) == 1);
    }
  }
  CHECK(found > 5);
  CHECK(table_labels > 40);
}

TEST_CASE("avatar runtime: the mailbox hands over the newest frame once", "[avatar]") {
  FrameMailbox mailbox;
  AvatarFrame frame;
  CHECK_FALSE(mailbox.try_take(frame));
  for (std::uint64_t i = 1; i <= 3; ++i) {
    AvatarFrame produced;
    produced.sequence = i;
    mailbox.publish(produced);
  }
  REQUIRE(mailbox.try_take(frame));
  CHECK(frame.sequence == 3);
  CHECK_FALSE(mailbox.try_take(frame));
}

TEST_CASE("avatar runtime: renders the pose like the engine and reports errors without crashing", "[avatar]") {
  std::vector<std::string> log;
  std::mutex log_mutex;
  AvatarRuntime runtime(
      [&](LogLevel, const std::string& message) {
        std::lock_guard<std::mutex> lock(log_mutex);
        log.push_back(message);
      },
      {});
  const std::string pose_text = "head_y=-0.4, mouth_uuu=1, eyebrow_angry=1";
  runtime.apply_settings(still(pose_text));
  runtime.set_showing(true);
  AvatarFrame frame;
  REQUIRE(wait_for([&] { return runtime.try_take_frame(frame); }, 30.0));
  CHECK(runtime.status().state == RuntimeState::kRunning);
  CHECK_THAT(runtime.status().model, Contains("lambda_00") && Contains("fast"));

  auto model = std::make_shared<CharacterModel>(load_character_model(test::models_dir() / "lambda_00"));
  auto engine = engine::make_poser(engine::Kind::kFast, model, {2});
  const Rgba8Image expected =
      image_tensor_to_rgba8(engine->run(parse_pose(pose_text).pose).blended(), DisplayPath::kPremultiplied);
  REQUIRE(frame.width == 512);
  CHECK(frame.pixels == expected.pixels);

  // A missing folder: an error in plain words, and a placeholder frame instead of nothing.
  AvatarSettings broken = still(pose_text);
  broken.model_folder = "/nonexistent/character";
  runtime.apply_settings(broken);
  // A new model loads once the settings have settled (a fraction of a second): until then the loaded model
  // goes on, then the placeholder replaces it.
  REQUIRE(wait_for([&] { return runtime.status().state == RuntimeState::kError; }, 10.0));
  REQUIRE(wait_for([&] { return runtime.try_take_frame(frame) && frame.pose_time_s == 0.0; }, 10.0));
  const RuntimeStatus status = runtime.status();
  CHECK(status.state == RuntimeState::kError);
  CHECK_THAT(status.error, Contains("/nonexistent/character"));
  CHECK(frame.width == 512);
  // Destroying the runtime right after new settings (a model load in flight) returns promptly.
  runtime.apply_settings(still(""));
}

TEST_CASE("avatar runtime: a full-system folder is recognised and an incomplete one says what is missing", "[avatar]") {
  test::ScratchDir folder("avatar-full-system");
  CHECK_FALSE(engine::is_full_system_folder(folder.path()));
  CHECK_FALSE(engine::is_full_system_folder(test::models_dir() / "lambda_00"));  // a student model
  std::ofstream(folder.path() / "eyebrow_decomposer.pt") << "not a weight file";
  CHECK(engine::is_full_system_folder(folder.path()));

  AvatarRuntime runtime({}, {});
  AvatarSettings settings = still("");
  settings.model_folder = folder.path().string();
  settings.character_image = (test::models_dir() / "lambda_00" / "character.png").string();
  runtime.apply_settings(settings);
  runtime.set_showing(true);
  AvatarFrame frame;
  REQUIRE(wait_for([&] { return runtime.try_take_frame(frame); }, 30.0));
  const RuntimeStatus status = runtime.status();
  CHECK(status.state == RuntimeState::kError);
  CHECK_THAT(status.error, Contains("face_morpher.pt") && Contains("upscaler.pt"));
  // Meanwhile the source shows the character picture itself.
  const Rgba8Image picture = read_rgba8_image(settings.character_image);
  REQUIRE(frame.width == picture.width);
  std::size_t same = 0;
  std::size_t opaque = 0;
  for (std::size_t i = 0; i < picture.pixels.size(); i += 4) {
    if (picture.pixels[i + 3] != 255) continue;
    ++opaque;
    same += std::equal(&picture.pixels[i], &picture.pixels[i + 4], &frame.pixels[i],
                       [](std::uint8_t a, std::uint8_t b) { return std::abs(a - b) <= 1; });
  }
  CHECK(opaque > 30000);
  CHECK(same == opaque);
  // Without a picture the full system cannot run, and the status says so.
  settings.character_image.clear();
  std::ofstream(folder.path() / "face_morpher.pt") << "x";
  runtime.apply_settings(settings);
  CHECK(wait_for([&] { return runtime.status().error.find("character picture") != std::string::npos; }, 10.0));
}

TEST_CASE("avatar runtime: a character image the student does not depict is shown still, not another character",
          "[avatar]") {
  const std::filesystem::path own_picture = test::models_dir() / "lambda_00" / "character.png";
  const std::filesystem::path other_picture = test::models_dir() / "lambda_01" / "character.png";
  CHECK(student_of_another_picture(test::models_dir() / "lambda_00", other_picture));
  CHECK_FALSE(student_of_another_picture(test::models_dir() / "lambda_00", own_picture));
  CHECK_FALSE(student_of_another_picture(test::models_dir() / "lambda_00", ""));
  CHECK_FALSE(student_of_another_picture("/nonexistent/folder", other_picture));

  AvatarRuntime runtime({}, {});
  AvatarSettings settings = still("");  // lambda_00's student
  settings.character_image = other_picture.string();
  runtime.apply_settings(settings);
  runtime.set_showing(true);
  AvatarFrame frame;
  REQUIRE(wait_for([&] { return runtime.try_take_frame(frame); }, 30.0));
  RuntimeStatus status = runtime.status();
  CHECK(status.state == RuntimeState::kNoModel);
  CHECK_THAT(status.model, Contains("still picture"));
  CHECK_THAT(status.error, Contains("student is of another picture"));
  AvatarSettings only_the_picture;
  only_the_picture.character_image = other_picture.string();
  CHECK(frame.pixels == load_still_frame(only_the_picture)->pixels);

  // The student's own picture: the student runs.
  settings.character_image = own_picture.string();
  runtime.apply_settings(settings);
  REQUIRE(wait_for([&] { return runtime.status().state == RuntimeState::kRunning; }, 30.0));
  CHECK_THAT(runtime.status().model, Contains("lambda_00") && Contains("student"));
}

}  // namespace tha4::avatar
