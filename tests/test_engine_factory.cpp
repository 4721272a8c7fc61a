// The one poser interface and its factory (inference/engine/): names, defaults, what "auto" and "cuda" mean
// on this build and machine, and that every engine's display bytes are its image's.

#include "inference/engine/engine_kind.h"
#include "inference/engine/make_poser.h"
#include "inference/fast/fast_student_engine.h"
#include "inference/image/display.h"
#include "inference/student/character_model.h"
#include "inference/util/errors.h"
#include "tests/test_support.h"

#include <catch2/catch.hpp>

#include <limits>
#include <thread>

using namespace tha4;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

TEST_CASE("engine factory: kind names round-trip and an unknown one lists the valid names", "[engine]") {
  for (const engine::Kind kind :
       {engine::Kind::kAuto, engine::Kind::kReference, engine::Kind::kFast, engine::Kind::kCuda}) {
    CHECK(engine::parse_kind(engine::kind_name(kind)) == kind);
  }
  CHECK(engine::kind_names() == "auto, reference, fast, cuda");
  CHECK_THROWS_WITH(engine::parse_kind("gpu"),
                    Contains("unknown engine 'gpu'") && Contains("auto, reference, fast, cuda"));
}

TEST_CASE("engine factory: threads default to half the hardware threads, as in OBS", "[engine]") {
  const int hardware = static_cast<int>(std::thread::hardware_concurrency());
  CHECK(engine::engine_threads(0) == std::max(1, hardware / 2));
  CHECK(engine::engine_threads(3) == 3);
}

TEST_CASE("engine factory: auto and cuda resolve to what this build and machine have", "[engine]") {
  const engine::EngineDecision reference = engine::resolve_engine(engine::Kind::kReference);
  CHECK(reference.kind == engine::Kind::kReference);
  CHECK(reference.device.is_cpu());
  CHECK(reference.warning.empty());
  const engine::EngineDecision fast = engine::resolve_engine(engine::Kind::kFast);
  CHECK(fast.kind == engine::Kind::kFast);
  CHECK(fast.warning.empty());
  if (engine::cuda_devices() > 0) {
    SUCCEED("a GPU is present: auto and cuda pick it (checked by the GPU tests)");
    return;
  }
  const engine::EngineDecision automatic = engine::resolve_engine(engine::Kind::kAuto);
  CHECK(automatic.kind == engine::Kind::kFast);
  CHECK(automatic.device.is_cpu());
  CHECK(automatic.warning.empty());
  const engine::EngineDecision cuda = engine::resolve_engine(engine::Kind::kCuda);
  CHECK(cuda.kind == engine::Kind::kFast);
  CHECK_THAT(cuda.warning, Contains("CUDA is not available"));
}

TEST_CASE("engine factory: every student engine behind one interface, with the display bytes of its image",
          "[engine]") {
  auto model = std::make_shared<CharacterModel>(load_character_model(test::models_dir() / "lambda_00"));
  engine::Options options;
  options.threads = 2;
  const Pose pose = parse_pose("head_x=0.4, mouth_ooo=1, eye_wink_left=1").pose;

  std::unique_ptr<StudentEngine> fast = engine::make_poser(engine::Kind::kFast, model, options);
  CHECK(fast->name() == "fast");
  CHECK_THAT(fast->description(), StartsWith("lambda_00 · student · CPU fast engine (") && Contains("2 threads"));
  std::unique_ptr<StudentEngine> reference = engine::make_poser(engine::Kind::kReference, model, options);
  CHECK(reference->name() == "reference");
  CHECK_THAT(reference->description(), StartsWith("lambda_00 · student · CPU reference engine"));

  for (StudentEngine* student : {fast.get(), reference.get()}) {
    INFO(student->name());
    engine::Poser& poser = *student;  // what the plugin and the CLI hold
    const torch::Tensor image = poser.render(pose);
    CHECK(torch::equal(image, student->run(pose).blended()));
    Rgba8Image bytes;
    poser.render_rgba8(pose, bytes);
    CHECK(bytes.width == 512);
    CHECK(bytes.pixels == image_tensor_to_rgba8(image, DisplayPath::kPremultiplied).pixels);
  }
  if (engine::cuda_devices() == 0) {
    CHECK(engine::make_poser(engine::Kind::kAuto, model, options)->name() == "fast");
    if (!engine::fused_cuda_engine_built()) {
      CHECK_THROWS_WITH(engine::make_poser(engine::Kind::kCuda, model, options), Contains("cuda preset"));
    }
  }
  Pose broken{};
  broken[0] = std::numeric_limits<float>::quiet_NaN();
  CHECK_THROWS_AS(reference->render(broken), PoseError);
  CHECK_THROWS_AS(fast->render(broken), PoseError);
}

TEST_CASE("engine factory: the full system runs on LibTorch and says what it needs", "[engine]") {
  const auto folder = test::models_dir() / "lambda_00";
  CHECK_THROWS_WITH(engine::make_full_system_poser(engine::Kind::kFast, folder, folder / "character.png"),
                    Contains("students only"));
  CHECK_THROWS_AS(engine::make_full_system_poser(engine::Kind::kReference, folder, ""), ImageError);
  CHECK_THROWS_AS(
      engine::make_full_system_poser(engine::Kind::kReference, "/nonexistent/tha4", folder / "character.png"), Error);
}
