// The full system, mode_07's five steps (spec §4.5), against ../shared/golden/teacher/teacher_pipeline.pt:
// each stage fed with the stored output of the stage before it, then the whole pipeline end to end; and the
// eyebrow-decomposer cache.
#include "inference/full/full_poser.h"
#include "inference/util/errors.h"
#include "tests/golden_teacher.h"
#include "tests/tensor_compare.h"

#include <catch2/catch.hpp>

#include <cstdio>
#include <limits>

using namespace tha4;
namespace F = torch::nn::functional;

namespace {

// The golden README's tolerances: stage-wise max abs, and end to end max abs and mean abs (rounding
// differences compound through the random warps end to end).
constexpr double kStageTolerance = 5e-4;
constexpr double kEndToEndMaxTolerance = 5e-2;
constexpr double kEndToEndMeanTolerance = 2e-4;

using PipelineGolden = tha4::test::TeacherPipelineGolden;
using tha4::test::load_teacher_pipeline_golden;
using tha4::test::load_teacher_pipeline_networks;

using tha4::test::max_abs;
using tha4::test::mean_abs;

torch::Tensor crop(const torch::Tensor& x, int64_t top, int64_t left, int64_t size) {
  return x.slice(2, top, top + size).slice(3, left, left + size);
}

torch::Tensor bilinear(const torch::Tensor& x, int64_t size) {
  return F::interpolate(
      x,
      F::InterpolateFuncOptions().size(std::vector<int64_t>{size, size}).mode(torch::kBilinear).align_corners(false));
}

void check_stage(const char* what, const torch::Tensor& actual, const torch::Tensor& expected) {
  const double diff = max_abs(actual, expected);
  std::printf("teacher pipeline stage-wise %s: max abs diff %.3g (tolerance %.0e)\n", what, diff, kStageTolerance);
  CHECK(diff <= kStageTolerance);
}

}  // namespace

TEST_CASE("teacher: pipeline stages match the reference, each fed the stored output before it", "[teacher][parity]") {
  torch::set_num_threads(2);
  torch::NoGradGuard no_grad;
  const PipelineGolden golden = load_teacher_pipeline_golden();
  full::FullSystemNetworks networks = load_teacher_pipeline_networks(golden);
  const torch::Tensor& image = golden.image;

  // The README's stage table, written out independently of FullPoser.
  const auto decomposer = networks.eyebrow_decomposer->forward(crop(image, 64, 192, 128));
  check_stage("eyebrow_decomposer -> output 27", decomposer[0], golden.output(27));
  check_stage("eyebrow_decomposer -> output 30", decomposer[3], golden.output(30));

  for (int64_t k = 0; k < golden.pose.size(0); ++k) {
    INFO("pose " << k);
    const torch::Tensor pose = golden.pose.slice(0, k, k + 1);
    const auto combiner =
        networks.eyebrow_morphing_combiner->forward(golden.output(30), golden.output(27), pose.slice(1, 0, 12));
    check_stage("eyebrow_morphing_combiner -> output 21", combiner[2], golden.output(21)[k].unsqueeze(0));

    torch::Tensor face_input = crop(image, 32, 160, 192).clone();
    crop(face_input, 32, 32, 128).copy_(golden.output(21)[k].unsqueeze(0));
    const auto face = networks.face_morpher->forward(face_input, pose.slice(1, 12, 39));
    check_stage("face_morpher -> output 11", face[0], golden.output(11)[k].unsqueeze(0));

    torch::Tensor face_morphed_full = image.clone();
    crop(face_morphed_full, 32, 160, 192).copy_(golden.output(11)[k].unsqueeze(0));
    const auto rotator = networks.body_morpher->forward(bilinear(face_morphed_full, 256), pose.slice(1, 39, 45));
    check_stage("body_morpher -> output 6", rotator[0], golden.output(6)[k].unsqueeze(0));
    check_stage("body_morpher -> output 9", rotator[3], golden.output(9)[k].unsqueeze(0));

    const auto editor =
        networks.upscaler->forward(face_morphed_full, bilinear(golden.output(6)[k].unsqueeze(0), 512),
                                   bilinear(golden.output(9)[k].unsqueeze(0), 512), pose.slice(1, 39, 45));
    check_stage("upscaler -> output 0", editor[0], golden.output(0)[k].unsqueeze(0));
  }
}

TEST_CASE("teacher: the five-step pipeline matches the reference end to end", "[teacher][parity]") {
  torch::set_num_threads(2);
  const PipelineGolden golden = load_teacher_pipeline_golden();
  full::FullPoser poser(load_teacher_pipeline_networks(golden));
  const auto& listed = golden.json.at("outputs");
  REQUIRE(listed.size() == static_cast<std::size_t>(full::output::kCount));

  for (int64_t k = 0; k < golden.pose.size(0); ++k) {
    INFO("pose " << k << " (" << golden.json.at("poses").at("names").at(static_cast<std::size_t>(k)).get<std::string>()
                 << ")");
    const auto outputs = poser.pose(golden.image, golden.pose.slice(0, k, k + 1));
    REQUIRE(outputs.size() == static_cast<std::size_t>(full::output::kCount));
    for (int i = 0; i < full::output::kCount; ++i) {
      const auto& entry = listed.at(static_cast<std::size_t>(i));
      INFO("output " << i);
      CHECK(full::output_name(i) == entry.at("name").get<std::string>());
      auto shape = entry.at("shape").get<std::vector<int64_t>>();
      shape[0] = 1;  // the JSON lists the three poses together
      CHECK(outputs[static_cast<std::size_t>(i)].sizes().vec() == shape);
      CHECK(torch::isfinite(outputs[static_cast<std::size_t>(i)]).all().item<bool>());
      if (!entry.at("stored").get<bool>()) continue;
      const torch::Tensor stored = golden.output(i);
      const torch::Tensor expected = entry.at("pose_independent").get<bool>() ? stored : stored[k].unsqueeze(0);
      const double max_diff = max_abs(outputs[static_cast<std::size_t>(i)], expected);
      const double mean_diff = mean_abs(outputs[static_cast<std::size_t>(i)], expected);
      std::printf(
          "teacher pipeline end-to-end pose %lld output %d (%s): max abs %.3g (tol %.0e), mean abs %.3g "
          "(tol %.0e)\n",
          static_cast<long long>(k), i, full::output_name(i).c_str(), max_diff, kEndToEndMaxTolerance, mean_diff,
          kEndToEndMeanTolerance);
      CHECK(max_diff <= kEndToEndMaxTolerance);
      CHECK(mean_diff <= kEndToEndMeanTolerance);
    }
  }
}

// mode_07's geometry with very few channels and random weights: enough to watch the cache, and cheap.
full::FullSystemConfig tiny_config() {
  full::FullSystemConfig config = full::FullSystemConfig::reduced();
  for (full::EncoderFields* encoder :
       {&config.eyebrow_decomposer.encoder, &config.eyebrow_morphing_combiner.encoder, &config.face_morpher.encoder}) {
    encoder->start_channels = 4;
    encoder->max_channels = 8;
    encoder->num_bottleneck_blocks = 1;
  }
  for (full::UnetConfig* unet : {&config.body_morpher.unet, &config.upscaler.unet}) {
    unet->model_channels = 8;
    unet->cond_internal_channels = 8;
    unet->num_middle_res_blocks = 1;
  }
  return config;
}

TEST_CASE("teacher: the decomposer cache follows the image's content, not the tensor", "[teacher]") {
  torch::set_num_threads(2);
  const PipelineGolden golden = load_teacher_pipeline_golden();
  torch::manual_seed(7);
  full::FullPoser poser(full::FullSystemNetworks::create(tiny_config()));
  torch::Tensor image = golden.image.clone();
  const torch::Tensor rest = golden.pose.slice(0, 0, 1);
  const torch::Tensor expressive = golden.pose.slice(0, 1, 2);

  const auto first = poser.pose(image, rest);
  CHECK_FALSE(poser.last_call_used_decomposer_cache());
  auto second = poser.pose(image, expressive);
  CHECK(poser.last_call_used_decomposer_cache());
  for (int i = full::output::kDecomposer; i < full::output::kCount; ++i) {
    CHECK(torch::equal(first[static_cast<std::size_t>(i)], second[static_cast<std::size_t>(i)]));
  }
  // Editing a returned output does not reach the cache.
  second[full::output::kDecomposer].fill_(7.0f);
  const auto again = poser.pose(image, rest);
  CHECK(poser.last_call_used_decomposer_cache());
  CHECK(torch::equal(again[full::output::kFinalImage], first[full::output::kFinalImage]));

  // An in-place edit of the caller's tensor inside the eyebrow crop must reach the decomposer (the reference,
  // which keeps a reference to the tensor, would reuse stale outputs here).
  crop(image, 100, 250, 8).fill_(0.25);
  const auto edited = poser.pose(image, rest);
  CHECK_FALSE(poser.last_call_used_decomposer_cache());
  CHECK_FALSE(torch::equal(edited[full::output::kDecomposer], first[full::output::kDecomposer]));
  CHECK(torch::equal(golden.pose.slice(0, 0, 1), rest));  // inputs are not modified
}

TEST_CASE("teacher: the pipeline rejects bad inputs with a message", "[teacher]") {
  const PipelineGolden golden = load_teacher_pipeline_golden();
  full::FullPoser poser(load_teacher_pipeline_networks(golden));
  using Catch::Matchers::Contains;
  CHECK_THROWS_WITH(poser.pose(golden.image.slice(2, 0, 256), golden.pose.slice(0, 0, 1)),
                    Contains("(N, 4, 512, 512)"));
  CHECK_THROWS_WITH(poser.pose(golden.image, golden.pose.slice(0, 0, 2)), Contains("a pose of shape (1, 45)"));
  torch::Tensor nan_pose = golden.pose.slice(0, 0, 1).clone();
  nan_pose[0][3] = std::numeric_limits<float>::quiet_NaN();
  CHECK_THROWS_AS(poser.pose(golden.image, nan_pose), PoseError);
}
