#include "inference/student/character_model.h"
#include "inference/student/model_locator.h"
#include "inference/util/errors.h"
#include "tests/test_support.h"

#include <catch2/catch.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <fstream>

using namespace tha4;
using tha4::test::ScratchDir;

namespace {

int64_t parameter_count(torch::nn::Module& module) {
  int64_t count = 0;
  for (const auto& p : module.parameters()) count += p.numel();
  return count;
}

// A copy of a real character folder that a test can break.
std::filesystem::path copy_character(const ScratchDir& dir, const std::string& name) {
  const auto target = dir.path() / name;
  std::filesystem::copy(tha4::test::models_dir() / name, target, std::filesystem::copy_options::recursive);
  for (const auto& entry : std::filesystem::directory_iterator(target)) {
    std::filesystem::permissions(entry.path(), std::filesystem::perms::owner_write, std::filesystem::perm_options::add);
  }
  return target;
}

}  // namespace

TEST_CASE("character model: both real models load with the official parameter counts", "[character]") {
  for (const char* name : {"lambda_00", "lambda_01"}) {
    INFO(name);
    CharacterModel model = load_character_model(tha4::test::models_dir() / name);
    CHECK(model.image.sizes() == torch::IntArrayRef({1, 4, 512, 512}));
    CHECK(parameter_count(*model.face_morpher) == 121476);
    CHECK(parameter_count(*model.body_morpher) == 331567);
    CHECK(model.face_morpher->named_parameters().size() == 18);
    CHECK(model.body_morpher->named_parameters().size() == 20);
    CHECK_FALSE(model.face_morpher->is_training());
  }
}

TEST_CASE("character model: the network keys equal the official manifest", "[character]") {
  std::ifstream manifest(tha4::test::golden_dir() / "student_manifest.txt");
  REQUIRE(manifest);
  SirenFaceMorpher face;
  SirenBodyMorpher body;
  const auto face_params = face->named_parameters();
  const auto body_params = body->named_parameters();
  std::size_t face_index = 0;
  std::size_t body_index = 0;
  std::string network, key, shape;
  std::string line;
  while (std::getline(manifest, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream(line) >> network >> key >> shape;
    const auto& params = network == "face_morpher" ? face_params : body_params;
    std::size_t& index = network == "face_morpher" ? face_index : body_index;
    REQUIRE(index < params.size());
    CHECK(params[index].key() == key);
    std::string actual;
    for (auto size : params[index].value().sizes()) actual += (actual.empty() ? "" : ",") + std::to_string(size);
    CHECK(actual == shape);
    ++index;
  }
  CHECK(face_index == face_params.size());
  CHECK(body_index == body_params.size());
}

TEST_CASE("character model: missing and broken folders give clear errors", "[character]") {
  ScratchDir dir("character");
  CHECK_THROWS_WITH(read_character_model_files(dir.path() / "nowhere"), Catch::Contains("character_model.yaml"));

  const auto model = copy_character(dir, "lambda_00");
  {
    std::ofstream(model / "character_model.yaml") << "character_image_file_name: character.png\n"
                                                     "face_morpher_file_name: face_morpher.pt\n";
  }
  CHECK_THROWS_WITH(read_character_model_files(model), Catch::Contains("body_morpher_file_name"));
  {
    std::ofstream(model / "character_model.yaml") << "character_image_file_name: character.png\n"
                                                     "face_morpher_file_name: face_morpher.pt\n"
                                                     "body_morpher_file_name: gone.pt\n";
  }
  CHECK_THROWS_WITH(read_character_model_files(model), Catch::Contains("gone.pt") && Catch::Contains("does not exist"));
  { std::ofstream(model / "character_model.yaml") << "[unclosed"; }
  CHECK_THROWS_AS(read_character_model_files(model), CharacterModelError);
}

TEST_CASE("character model: a character image without transparency is refused", "[character]") {
  ScratchDir dir("character-image");
  const auto model = copy_character(dir, "lambda_01");
  cv::Mat image = cv::imread((model / "character.png").string(), cv::IMREAD_UNCHANGED);
  cv::Mat rgb;
  cv::cvtColor(image, rgb, cv::COLOR_BGRA2BGR);
  REQUIRE(cv::imwrite((model / "character.png").string(), rgb));
  CHECK_THROWS_WITH(load_character_model(model), Catch::Contains("no alpha channel"));
}

TEST_CASE("character model: the locator finds names and explains downloads", "[character]") {
  CHECK(std::filesystem::exists(resolve_character(std::string("lambda_01")) / "character_model.yaml"));
  CHECK(resolve_character(std::nullopt).filename() == "lambda_00");
  CHECK_THROWS_WITH(resolve_character(std::string("no_such_character")),
                    Catch::Contains("talking-head-anime-4-demo") && Catch::Contains("THA4_MODELS"));
  ScratchDir dir("locator");
  CHECK_THROWS_WITH(resolve_character(dir.path().string()), Catch::Contains("no character_model.yaml"));
}
