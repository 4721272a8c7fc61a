// Loading a full-system weight folder: the five files in the official format, with errors that name the
// file and the key (wrong key, wrong shape, truncated file) or the missing file and where to download it.
#include "inference/full/full_poser.h"
#include "inference/full/full_system_config_json.h"
#include "inference/util/errors.h"
#include "inference/weights/tensor_archive_writer.h"
#include "tests/golden_teacher.h"
#include "tests/test_support.h"

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

using namespace tha4;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

namespace {

full::FullSystemConfig pipeline_config() {
  return full::full_system_config_from_pipeline_json(
      full::read_json_file(tha4::test::teacher_golden_dir() / "teacher_pipeline.json"));
}

template <typename Exception>
std::string error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const Exception& e) {
    return e.what();
  }
  FAIL("no exception");
  return {};
}

}  // namespace

TEST_CASE("teacher: a weight folder loads, and damaged files are named with the key", "[teacher][weights]") {
  const tha4::test::ScratchDir scratch("teacher-weights");
  const fs::path folder = scratch.path();
  tha4::test::write_teacher_weight_folder(folder);
  const full::FullSystemConfig config = pipeline_config();

  SECTION("a complete folder loads into every network") {
    const full::FullSystemNetworks networks = full::load_full_system(folder, config);
    const auto expected = tha4::test::load_teacher_network_weights("upscaler");
    const auto loaded = networks.upscaler->named_parameters();
    REQUIRE(loaded.size() == expected.size());
    for (const auto& [name, tensor] : expected) CHECK(torch::equal(loaded[name], tensor));
  }
  SECTION("a missing file is named, with the download instructions") {
    fs::remove(folder / "face_morpher.pt");
    fs::remove(folder / "upscaler.pt");
    const std::string message = error_of<FullSystemError>([&] { full::load_full_system(folder, config); });
    CHECK_THAT(message, Contains((folder / "face_morpher.pt").string()) && Contains((folder / "upscaler.pt").string()));
    CHECK_THAT(message,
               !Contains((folder / "body_morpher.pt").string()) && Contains("pkhungurn/talking-head-anime-4-demo"));
    CHECK_THAT(error_of<FullSystemError>([&] { full::load_full_system(folder / "nowhere", config); }),
               Contains("does not exist") && Contains("tha4-models.zip"));
  }
  SECTION("a wrong key") {
    auto weights = tha4::test::load_teacher_network_weights("body_morpher");
    weights[5].name = "body.cond_embed.0.bias_renamed";
    tha4::write_tensor_archive(folder / "body_morpher.pt", weights, "cuda:0");
    const std::string message = error_of<WeightFileError>([&] { full::load_full_system(folder, config); });
    CHECK_THAT(message, Contains("body_morpher.pt") && Contains("key 'body.cond_embed.0.bias' is missing") &&
                            Contains("unexpected key 'body.cond_embed.0.bias_renamed'"));
  }
  SECTION("a wrong shape: reduced weights in the official configuration") {
    const std::string message =
        error_of<WeightFileError>([&] { full::load_full_system(folder, full::FullSystemConfig::official()); });
    CHECK_THAT(message, Contains("eyebrow_decomposer.pt") &&
                            Contains("key 'body.downsample_blocks.0.0.weight' has shape [8, 4, 3, 3] in the file, "
                                     "the network expects [64, 4, 3, 3]"));
  }
  SECTION("a truncated file") {
    std::ostringstream read;
    read << std::ifstream(folder / "eyebrow_morphing_combiner.pt", std::ios::binary).rdbuf();
    const std::string bytes = read.str();
    std::ofstream(folder / "eyebrow_morphing_combiner.pt", std::ios::binary | std::ios::trunc)
        << bytes.substr(0, bytes.size() / 2);
    CHECK_THAT(error_of<WeightFileError>([&] { full::load_full_system(folder, config); }),
               Contains((folder / "eyebrow_morphing_combiner.pt").string()));
  }
}

TEST_CASE("teacher: configurations are read strictly from the reference's Args", "[teacher]") {
  auto args = tha4::test::load_teacher_network_golden("body_morpher").json.at("args_constructor");
  CHECK(full::half_res_rotator_config_from_json(args).unet.level_use_attention.back());
  SECTION("an unknown keyword") {
    args["kwargs"]["unet_args"]["kwargs"]["use_scale_shift_norm"] = true;
    CHECK_THROWS_WITH(full::half_res_rotator_config_from_json(args),
                      Contains("'use_scale_shift_norm' is not supported"));
  }
  SECTION("another Args class") {
    CHECK_THROWS_WITH(full::editor_config_from_json(args), Contains("expected class Upscaler02Args"));
  }
  SECTION("a GroupNorm width the reference cannot split") {
    args["kwargs"]["unet_args"]["kwargs"]["model_channels"] = 24;
    args["kwargs"]["unet_args"]["kwargs"]["level_channel_multipliers"] = {1, 2, 4, 4, 4};
    CHECK_THROWS_WITH(full::half_res_rotator_config_from_json(args), Contains("GroupNorm"));
  }
  SECTION("spectral norm") {
    auto face = tha4::test::load_teacher_network_golden("face_morpher").json.at("args_constructor");
    face["kwargs"]["block_args"]["kwargs"]["use_spectral_norm"] = true;
    CHECK_THROWS_WITH(full::face_morpher_config_from_json(face), Contains("use_spectral_norm"));
  }
}
