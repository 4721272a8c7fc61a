// Parity of the reference student engine with the reference implementation's outputs
// (../shared/golden/student/<character>/, every character and every pose found there).
#include "inference/image/display.h"
#include "inference/student/character_model.h"
#include "inference/engine/make_poser.h"
#include "inference/student/student_engine.h"
#include "inference/util/errors.h"
#include "tests/golden_student.h"
#include "tests/tensor_compare.h"
#include "tests/test_support.h"

#include <catch2/catch.hpp>

#include <cstdio>
#include <limits>

using namespace tha4;

namespace {

constexpr double kTensorTolerance = 1e-4;  // max abs, `face` and `blended` (golden README: ~1e-6 expected)
constexpr int kDisplayTolerance = 1;       // per channel, in 1/255 steps

using tha4::test::max_abs;

int max_byte_diff(const Rgba8Image& a, const Rgba8Image& b) {
  int worst = 0;
  for (std::size_t i = 0; i < a.pixels.size(); ++i) worst = std::max(worst, std::abs(a.pixels[i] - b.pixels[i]));
  return worst;
}

}  // namespace

TEST_CASE("student parity: reference engine reproduces every golden character and pose", "[student][parity]") {
  torch::set_num_threads(2);
  const auto goldens = tha4::test::load_student_goldens();
  REQUIRE_FALSE(goldens.empty());
  for (const auto& golden : goldens) {
    INFO("character " << golden.character);
    auto model = std::make_shared<CharacterModel>(load_character_model(tha4::test::models_dir() / golden.character));
    // The loader reproduces the reference's input tensor bit for bit.
    CHECK(max_abs(model->image[0], golden.image) == 0.0);

    auto engine = engine::make_poser(engine::Kind::kReference, model);
    for (int64_t k = 0; k < golden.pose_count(); ++k) {
      INFO("pose " << k << ": " << format_pose(golden.pose(k)));
      const StudentOutputs outputs = engine->run(golden.pose(k));
      const double face_diff = max_abs(outputs[StudentOutput::kFace][0], golden.face[k]);
      const double blended_diff = max_abs(outputs.blended()[0], golden.blended[k]);
      const Rgba8Image display = image_tensor_to_rgba8(outputs.blended(), DisplayPath::kReferenceRound);
      const Rgba8Image expected = read_rgba8_image(golden.display_png(k));
      REQUIRE(display.width == expected.width);
      REQUIRE(display.height == expected.height);
      const int display_diff = max_byte_diff(display, expected);
      std::printf(
          "student parity %s pose %lld: max |face - golden| = %.3g, max |blended - golden| = %.3g, "
          "max display byte diff = %d\n",
          golden.character.c_str(), static_cast<long long>(k), face_diff, blended_diff, display_diff);
      CHECK(face_diff <= kTensorTolerance);
      CHECK(blended_diff <= kTensorTolerance);
      CHECK(display_diff <= kDisplayTolerance);
    }
  }
}

TEST_CASE("student parity: the engine rejects NaN poses and leaves the model usable", "[student]") {
  auto model = std::make_shared<CharacterModel>(load_character_model(tha4::test::models_dir() / "lambda_00"));
  auto engine = engine::make_poser(engine::Kind::kReference, model);
  Pose pose = rest_pose();
  pose[26] = std::numeric_limits<float>::quiet_NaN();
  CHECK_THROWS_AS(engine->run(pose), PoseError);
  const torch::Tensor before = model->image.clone();
  const StudentOutputs outputs = engine->run(rest_pose());
  CHECK(outputs.blended().sizes() == torch::IntArrayRef({1, 4, 512, 512}));
  CHECK(outputs[StudentOutput::kAlpha].sizes() == torch::IntArrayRef({1, 1, 512, 512}));
  CHECK(outputs[StudentOutput::kGridChange].sizes() == torch::IntArrayRef({1, 2, 512, 512}));
  CHECK(outputs[StudentOutput::kFace].sizes() == torch::IntArrayRef({1, 4, 128, 128}));
  CHECK(torch::equal(before, model->image));  // the face is pasted into a copy
  CHECK(torch::isfinite(outputs.blended()).all().item<bool>());
}
