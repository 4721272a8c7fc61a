// `tha4 render --model full` and `tha4 bench full`, end to end through the built binary, with the golden's
// reduced weights written as a weight folder.
#include "inference/full/full_poser.h"
#include "inference/image/display.h"
#include "inference/image/image_io.h"
#include "tests/golden_teacher.h"
#include "tests/test_support.h"

#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>

using tha4::test::CliResult;
using tha4::test::run_cli;
using tha4::test::ScratchDir;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

namespace {

std::string pipeline_json() { return tha4::test::teacher_pipeline_json().string(); }
std::string character_png() { return (tha4::test::shared_images_dir() / "lambda_00.png").string(); }

}  // namespace

TEST_CASE("teacher cli: render --model full writes the pipeline's final image", "[teacher][cli]") {
  ScratchDir dir("teacher-cli");
  tha4::test::write_teacher_weight_folder(dir.path());
  const auto out = dir.path() / "full.png";
  // The golden's "expressive" pose (teacher_pipeline.json), whose final image is output.0[1].
  const std::string pose =
      "eyebrow_troubled_left=0.5,eyebrow_raised_right=0.8,eye_wink_left=1,mouth_aaa=1,iris_rotation_x=0.8,"
      "iris_rotation_y=-0.4,head_x=1,head_y=-1,neck_z=0.5,body_y=-0.7,body_z=0.3,breathing=0.6";
  const CliResult result =
      run_cli({"render", "--model", "full", "--tha4-dir", dir.path().string(), "--full-config", pipeline_json(),
               "--image", character_png(), "--pose", pose, "-o", out.string(), "--threads", "2"});
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  CHECK_THAT(result.output, Contains("upscaler.merged"));
  const tha4::Rgba8Image rendered = tha4::read_rgba8_image(out);
  const auto golden = tha4::read_tensor_archive(tha4::test::teacher_golden_dir() / "teacher_pipeline.pt");
  const tha4::Rgba8Image expected = tha4::image_tensor_to_rgba8(
      tha4::find_tensor(golden, "output.0", "teacher_pipeline.pt")[1], tha4::DisplayPath::kReferenceRound);
  REQUIRE(rendered.width == 512);
  REQUIRE(rendered.height == 512);
  // End-to-end rounding moves a few edge pixels (golden README: max 5e-2, mean 2e-4 on [-1, 1]).
  double total = 0;
  for (std::size_t i = 0; i < rendered.pixels.size(); ++i) total += std::abs(rendered.pixels[i] - expected.pixels[i]);
  CHECK(total / static_cast<double>(rendered.pixels.size()) <= 0.05);
}

TEST_CASE("teacher cli: a missing weight file or a bad picture fails with a message", "[teacher][cli]") {
  ScratchDir dir("teacher-cli-errors");
  tha4::test::write_teacher_weight_folder(dir.path());
  fs::remove(dir.path() / "eyebrow_morphing_combiner.pt");
  const auto out = (dir.path() / "x.png").string();
  CliResult r = run_cli({"render", "--model", "full", "--tha4-dir", dir.path().string(), "--full-config",
                         pipeline_json(), "--image", character_png(), "-o", out});
  CHECK(r.exit_code != 0);
  CHECK_THAT(r.output, Contains("eyebrow_morphing_combiner.pt") && Contains("talking-head-anime-4-demo"));
  r = run_cli({"render", "--model", "full", "--image", character_png(), "-o", out});
  CHECK(r.exit_code != 0);
  CHECK_THAT(r.output, Contains("--tha4-dir"));

  // The same picture rules as the student: 512x512 RGBA with transparency.
  tha4::test::write_teacher_weight_folder(dir.path());
  const auto small = dir.path() / "small.png";
  tha4::write_png(tha4::Rgba8Image(256, 256), small);
  r = run_cli({"render", "--model", "full", "--tha4-dir", dir.path().string(), "--full-config", pipeline_json(),
               "--image", small.string(), "-o", out});
  CHECK(r.exit_code != 0);
  CHECK_THAT(r.output, Contains("256x256"));
  CHECK_FALSE(fs::exists(out));
}

TEST_CASE("teacher cli: bench full reports the time per frame and per network", "[teacher][cli]") {
  const CliResult r =
      run_cli({"bench", "full", "--frames", "1", "--warmup", "0", "--threads", "2", "--image", character_png()});
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.output, Contains("reduced sizes") && Contains("median") && Contains("upscaler (editor)") &&
                           Contains("body_morpher (half-resolution rotator)") && Contains("eyebrow_decomposer") &&
                           Contains("RESULT engine=teacher-fp32-cpu median_ms="));
}

TEST_CASE("teacher cli: fp16 on the CPU stops with a message before loading anything", "[teacher][cli]") {
  CliResult r = run_cli({"bench", "full", "--precision", "fp16", "--frames", "1", "--image", character_png()});
  CHECK(r.exit_code != 0);
  CHECK_THAT(r.output, Contains("fp16 needs a CUDA device; use bf16 or fp32 on the CPU"));
  r = run_cli({"render", "--model", "full", "--tha4-dir", "/nonexistent", "--precision", "fp16", "-o", "x.png"});
  CHECK(r.exit_code != 0);
  CHECK_THAT(r.output, Contains("fp16 needs a CUDA device"));
  r = run_cli({"bench", "full", "--precision", "fp8"});
  CHECK(r.exit_code != 0);
  CHECK_THAT(r.output, Contains("--precision"));
}
