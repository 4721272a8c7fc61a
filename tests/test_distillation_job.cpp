// "Make a real-time model of this picture" from the OBS source (plugin/runtime/distillation_job.h): the job
// runs `tha4 distill` as a separate process group; here a stand-in script (tests/fake_tha4_distill.sh) plays
// tha4, so every ending (finished, failed, stopped) is seen in seconds, and the runtime switches the source to
// the finished model.
#include "plugin/runtime/avatar_poser.h"
#include "plugin/runtime/avatar_runtime.h"
#include "plugin/runtime/cross_fade.h"
#include "plugin/runtime/distillation_job.h"
#include "tests/golden_teacher.h"
#include "tests/test_support.h"

#include <catch2/catch.hpp>

#include <signal.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <optional>
#include <vector>
#include <sstream>
#include <thread>

using namespace tha4;
using namespace tha4::avatar;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

namespace {

const fs::path kFakeTha4 = fs::path(THA4_SOURCE_DIR) / "tests" / "fake_tha4_distill.sh";

bool wait_for(const std::function<bool()>& done, double seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return done();
}

// What the fake does this time (read by the script from its environment, inherited at the spawn).
void fake_does(const char* what) {
  setenv("FAKE_DISTILL", what, 1);
  setenv("FAKE_DISTILL_MODEL", (test::models_dir() / "lambda_01").string().c_str(), 1);
}

DistillationRequest request_in(const fs::path& folder) {
  DistillationRequest request;
  request.program = kFakeTha4;
  request.picture = test::shared_images_dir() / "lambda_01.png";
  request.prefix = folder / "run";
  request.teacher = folder;  // the fake needs none
  return request;
}

std::string read_text(const fs::path& file) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

TEST_CASE("distillation job: runs init then run in its own process, shows progress, ends finished", "[distill-job]") {
  test::ScratchDir dir("distill-job");
  fake_does("finish");
  DistillationJob job(request_in(dir.path()));
  DistillationReport report;
  REQUIRE(wait_for([&] { return (report = job.poll()).text.find("face 30.0 %") != std::string::npos; }, 10.0));
  CHECK(report.state == DistillationState::kRunning);
  CHECK_THAT(report.text, Contains("300 of 1000 examples") && Contains("5m 50s left") && Contains("then the body"));
  CHECK(report.fraction == Approx(0.4 * 0.3));  // the face is 1,000,000 of the default 2,500,000 examples
  REQUIRE(wait_for([&] { return (report = job.poll()).state != DistillationState::kRunning; }, 20.0));
  CHECK(report.state == DistillationState::kFinished);
  CHECK(report.fraction == 1.0);
  CHECK(fs::is_regular_file(dir.path() / "run" / "config.yaml"));  // init ran first
  CHECK(fs::is_regular_file(dir.path() / "run" / "character_model" / "character_model.yaml"));
  CHECK_THAT(read_text(dir.path() / "run" / "distill.log"), Contains("wrote") && Contains("fake run of"));
}

TEST_CASE("distillation job: a failure says why from the log; a missing program too", "[distill-job]") {
  test::ScratchDir dir("distill-job-fail");
  fake_does("fail");
  DistillationJob job(request_in(dir.path()));
  DistillationReport report;
  REQUIRE(wait_for([&] { return (report = job.poll()).state != DistillationState::kRunning; }, 20.0));
  CHECK(report.state == DistillationState::kFailed);
  CHECK_THAT(report.text, Contains("exit code 3") && Contains("face_morpher.pt is damaged"));

  DistillationRequest nowhere = request_in(dir.path() / "second");
  nowhere.program = dir.path() / "no-such-tha4";
  DistillationJob missing(nowhere);
  REQUIRE(wait_for([&] { return (report = missing.poll()).state != DistillationState::kRunning; }, 20.0));
  CHECK(report.state == DistillationState::kFailed);
  CHECK_THAT(report.text, Contains("exit code 127") && Contains("no-such-tha4"));
}

TEST_CASE("distillation job: stopping it ends the whole process group at once, and so does destroying it",
          "[distill-job]") {
  test::ScratchDir dir("distill-job-stop");
  fake_does("hang");
  pid_t group = -1;
  {
    DistillationJob job(request_in(dir.path()));
    group = job.process_group();
    REQUIRE(wait_for([&] { return job.poll().text.find("face 30.0 %") != std::string::npos; }, 10.0));
    const auto start = std::chrono::steady_clock::now();
    job.cancel();
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(3));
    CHECK(job.poll().state == DistillationState::kCancelled);
    CHECK_THAT(job.poll().text, Contains("resumes"));
    CHECK(kill(-group, 0) == -1);  // nothing of the group is left (the sleep the script became included)
    CHECK(errno == ESRCH);
  }
  DistillationRequest again = request_in(dir.path());  // started again on the same folder: init is not re-run
  fs::remove(again.prefix / "distill.log");
  {
    DistillationJob job(again);
    group = job.process_group();
    REQUIRE(wait_for([&] { return job.poll().text.find("face 30.0 %") != std::string::npos; }, 10.0));
    CHECK_THAT(read_text(again.prefix / "distill.log"), !Contains("wrote"));
  }  // destroyed while running (OBS closing): stopped
  CHECK(kill(-group, 0) == -1);
}

TEST_CASE("distillation job: the source runs it, shows its progress and then the finished model", "[distill-job]") {
  test::ScratchDir dir("distill-runtime");
  fake_does("finish");
  setenv("THA4_PROGRAM", kFakeTha4.c_str(), 1);
  AvatarRuntime runtime([](LogLevel, const std::string&) {}, {});
  AvatarSettings settings;
  settings.model_folder = (test::models_dir() / "lambda_00").string();
  settings.engine = EngineChoice::kCpuFast;
  settings.cpu_threads = 2;
  settings.distill_picture = (test::shared_images_dir() / "lambda_01.png").string();
  settings.distill_prefix = (dir.path() / "run").string();
  settings.distill_teacher = dir.path().string();
  settings.distill_active = true;
  runtime.apply_settings(settings);
  runtime.set_showing(true);
  REQUIRE(wait_for([&] { return runtime.status().state == RuntimeState::kRunning; }, 60.0));
  CHECK_THAT(runtime.status().model, Contains("lambda_00"));
  REQUIRE(wait_for([&] { return runtime.status().distillation.find("finished") != std::string::npos; }, 30.0));
  // The finished model replaces the one that ran meanwhile, loaded beside it.
  REQUIRE(wait_for(
      [&] {
        const RuntimeStatus status = runtime.status();
        return status.state == RuntimeState::kRunning && status.model.find("lambda_00") == std::string::npos;
      },
      30.0));
  INFO(runtime.status().model);
  CHECK_THAT(runtime.status().model, Contains("run") || Contains("character_model"));

  // A run that ends well without a finished model is not started again and again.
  fake_does("face-only");
  AvatarSettings face_only = settings;
  face_only.distill_prefix = (dir.path() / "face-only").string();
  runtime.apply_settings(face_only);
  CHECK(wait_for([&] { return runtime.status().distillation.find("without a finished model") != std::string::npos; },
                 20.0));
  std::this_thread::sleep_for(std::chrono::seconds(3));
  CHECK_THAT(runtime.status().distillation, Contains("without a finished model"));
  std::ifstream log_file(dir.path() / "face-only" / "distill.log");
  int runs = 0;
  for (std::string line; std::getline(log_file, line);) runs += line.rfind("fake run of", 0) == 0;
  CHECK(runs == 1);

  // Without a teacher there is nothing to start: the status says what to choose.
  AvatarSettings no_teacher = settings;
  no_teacher.distill_prefix = (dir.path() / "other").string();
  no_teacher.distill_teacher.clear();
  runtime.apply_settings(no_teacher);
  CHECK(wait_for([&] { return runtime.status().distillation.find("the teacher") != std::string::npos; }, 10.0));
  unsetenv("THA4_PROGRAM");
}

TEST_CASE("distillation job: the source shows a run only once its face has been learnt", "[distill-job]") {
  test::ScratchDir dir("distill-look");
  const fs::path prefix = dir.path() / "run";
  const auto write = [](const fs::path& file, const std::string& text) {
    fs::create_directories(file.parent_path());
    std::ofstream(file) << text;
  };
  CHECK_FALSE(look_at_distillation(prefix).has_snapshot);
  // A face state at 0 examples (the untrained student: a blur of colour over the face).
  write(prefix / "face_morpher" / "character.png", "picture");
  write(prefix / "face_morpher" / "snapshot" / "examples_seen_so_far.txt", "0");
  write(prefix / "face_morpher" / "snapshot" / "module_module.pt", "weights");
  CHECK_FALSE(look_at_distillation(prefix).has_snapshot);
  write(prefix / "face_morpher" / "progress.txt",
        "examples 8\ntotal 16\nexamples_per_second 1\nseconds_left 8\nfinished 0\n");
  CHECK_FALSE(look_at_distillation(prefix).has_snapshot);
  write(prefix / "face_morpher" / "progress.txt",
        "examples 16\ntotal 16\nexamples_per_second 1\nseconds_left 0\nfinished 1\n");
  CHECK(look_at_distillation(prefix).has_snapshot);
  CHECK_FALSE(look_at_distillation(prefix).finished);
  // A damaged progress file: the body's state tells instead.
  write(prefix / "face_morpher" / "progress.txt", "garbage");
  CHECK_FALSE(look_at_distillation(prefix).has_snapshot);
  write(prefix / "body_morpher" / "snapshot" / "examples_seen_so_far.txt", "4");
  write(prefix / "body_morpher" / "snapshot" / "module_module.pt", "weights");
  CHECK(look_at_distillation(prefix).has_snapshot);
  write(prefix / "character_model" / "character_model.yaml", "finished");
  CHECK(look_at_distillation(prefix).finished);
}

TEST_CASE(
    "distillation job: until the face is learnt, a source with only a picture shows it (the full system "
    "where it is fast enough, else still), then fades to the run's model",
    "[distill-job]") {
  test::ScratchDir dir("distill-stand-in");
  const fs::path teacher = dir.path() / "teacher";
  test::write_teacher_weight_folder(teacher);  // the tests' reduced, random-weight teacher
  fake_does("hang");                           // a run that has not learnt the face yet
  setenv("THA4_PROGRAM", kFakeTha4.c_str(), 1);
  const fs::path picture = test::models_dir() / "lambda_01" / "character.png";
  AvatarSettings settings;
  settings.character_image = picture.string();  // a picture and nothing else
  settings.engine = EngineChoice::kCpuFast;     // the student's engine; the full system runs on LibTorch
  settings.cpu_threads = 2;
  settings.pose_tuning.breaths_per_minute = 0.0;
  settings.auto_blink = false;
  settings.base_pose = "head_y=-0.4, mouth_uuu=1, eyebrow_angry=1";  // the model's frames differ from the picture
  settings.distill_picture = picture.string();
  settings.distill_prefix = (dir.path() / "run").string();
  settings.distill_teacher = teacher.string();
  settings.distill_active = true;
  settings.debug_distill_teacher_sizes = test::teacher_pipeline_json().string();
  AvatarSettings only_the_picture;
  only_the_picture.character_image = picture.string();
  const std::optional<AvatarFrame> still_picture = load_still_frame(only_the_picture);
  REQUIRE(still_picture);

  SECTION("a machine too slow for the full system holds the still picture, then fades to the finished model") {
    settings.debug_min_render_ms = 300;  // over the 200 ms a live avatar may take
    AvatarRuntime runtime([](LogLevel, const std::string&) {}, {});
    runtime.apply_settings(settings);
    runtime.set_showing(true);
    AvatarFrame frame;
    REQUIRE(wait_for([&] { return runtime.try_take_frame(frame); }, 60.0));
    RuntimeStatus status = runtime.status();
    INFO(status.model << " | " << status.warning << " | " << status.error);
    CHECK(status.state == RuntimeState::kNoModel);
    CHECK_THAT(status.model, Contains("still picture") && Contains("character.png"));
    CHECK_THAT(status.warning, Contains("full system takes") && Contains("learnt the face"));
    CHECK(status.error.empty());
    CHECK(frame.pixels == still_picture->pixels);

    // The run finishes (its model appears): the source moves to it through blended frames, then shows it clean.
    settings.debug_min_render_ms = 0;  // the verdict stands; the student renders at its own speed
    runtime.apply_settings(settings);
    fs::copy(test::models_dir() / "lambda_01", dir.path() / "run" / "character_model", fs::copy_options::recursive);
    std::vector<AvatarFrame> frames;
    const auto collect = [&] {
      if (runtime.try_take_frame(frame)) frames.push_back(frame);
    };
    REQUIRE(wait_for(
        [&] {
          collect();
          return runtime.status().state == RuntimeState::kRunning;
        },
        60.0));
    wait_for([&] { return collect(), false; }, 2.0 + CrossFade::kSeconds);  // the fade, and its clean last frame
    CHECK_THAT(runtime.status().model, Contains("character_model") || Contains("run"));
    const auto difference = [](const AvatarFrame& a, const AvatarFrame& b) {
      double sum = 0.0;
      for (std::size_t i = 0; i < a.pixels.size(); ++i) sum += std::abs(int(a.pixels[i]) - int(b.pixels[i]));
      return sum / static_cast<double>(a.pixels.size());
    };
    REQUIRE(frames.size() >= 2);
    const AvatarFrame& model_frame = frames.back();  // the model's own frame, once the fade is over
    INFO(frames.size() << " frames; the first is " << difference(frames[0], model_frame) << " from the model's and "
                       << difference(frames[0], *still_picture) << " from the picture");
    // The first frame after the switch is a blend, still nearer the picture than the model's own frame is, and
    // every later frame is nearer the model's than the one before until it is the model's: no frame jumps back.
    const double picture_to_model = difference(*still_picture, model_frame);
    CHECK(picture_to_model > 0.5);  // the pose moves the character visibly (a mean over the whole frame)
    CHECK(difference(frames[0], model_frame) > 0.25 * picture_to_model);
    for (std::size_t i = 1; i < frames.size(); ++i) {
      const double now = difference(frames[i], model_frame);
      CHECK((now < difference(frames[i - 1], model_frame) || now == 0.0));  // once there, it stays
    }
  }

  SECTION("a machine fast enough animates the picture with the full system") {
    // The reduced teacher takes about half a second a frame on two CPU cores; here it counts as fast enough.
    settings.debug_full_system_budget_ms = 60000;
    AvatarRuntime runtime([](LogLevel, const std::string&) {}, {});
    runtime.apply_settings(settings);
    runtime.set_showing(true);
    REQUIRE(wait_for([&] { return runtime.status().state == RuntimeState::kRunning; }, 60.0));
    const RuntimeStatus status = runtime.status();
    INFO(status.model << " | " << status.warning);
    CHECK_THAT(status.model, Contains("full system") && Contains("until the real-time model"));
    // Stopping the run (no snapshot yet) goes back to the still picture.
    settings.distill_active = false;
    runtime.apply_settings(settings);
    REQUIRE(wait_for([&] { return runtime.status().state == RuntimeState::kNoModel; }, 30.0));
    CHECK_THAT(runtime.status().model, Contains("still picture"));
    CHECK_THAT(runtime.status().error, Contains("make a real-time model of this picture"));
  }
  unsetenv("THA4_PROGRAM");
}
