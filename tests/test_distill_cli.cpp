// `tha4 distill` end to end through the built binary, with the golden's reduced teacher (../shared/golden):
// config and input errors, a tiny distillation whose every loss term falls, kill-and-resume bit for bit, and
// two processes over Gloo against one with the combined batch.
//
// The tiny distillation is a CTest fixture: its prefix (THA4_DISTILL_FIXTURE) is what the rendering tests
// here and the OBS source's test load.
#include "inference/distill/distill_layout.h"
#include "inference/distill/pose_source.h"
#include "inference/image/image_io.h"
#include "inference/student/character_model.h"
#include "inference/training/loss_log.h"
#include "inference/training/state_layout.h"
#include "inference/weights/tensor_archive.h"
#include "inference/weights/tensor_archive_writer.h"
#include "tests/golden_teacher.h"
#include "tests/test_support.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

using namespace tha4;
using Catch::Matchers::Contains;
using tha4::test::CliResult;
using tha4::test::run_cli;
using tha4::test::ScratchDir;
namespace fs = std::filesystem;

namespace {

fs::path shared_image(const char* name) { return tha4::test::shared_images_dir() / name; }

// The fixture's prefix: THA4_DISTILL_FIXTURE (set by CTest), else a folder under the temp dir.
fs::path fixture_prefix() {
  const char* env = std::getenv("THA4_DISTILL_FIXTURE");
  return env && *env ? fs::path(env) : fs::temp_directory_path() / "tha4-distill-fixture";
}

// A prefix with a config for lambda_00 and a reduced teacher beside it.
struct DistillSetup {
  fs::path prefix, teacher, config;
};
DistillSetup make_setup(const fs::path& root, const std::vector<std::string>& init_extra = {}) {
  DistillSetup setup{root / "prefix", root / "teacher", root / "prefix" / "config.yaml"};
  tha4::test::write_teacher_weight_folder(setup.teacher);
  std::vector<std::string> args = {"distill", "init",
                                   "--image", shared_image("lambda_00.png").string(),
                                   "--mask",  shared_image("lambda_00_face_mask.png").string(),
                                   "--out",   setup.prefix.string()};
  args.insert(args.end(), init_extra.begin(), init_extra.end());
  const CliResult init = run_cli(args);
  INFO(init.output);
  REQUIRE(init.exit_code == 0);
  return setup;
}

std::vector<std::string> run_args(const DistillSetup& setup, const std::vector<std::string>& extra) {
  std::vector<std::string> args = {"distill",
                                   "run",
                                   setup.config.string(),
                                   "--tha4-dir",
                                   setup.teacher.string(),
                                   "--full-config",
                                   tha4::test::teacher_pipeline_json().string()};
  args.insert(args.end(), extra.begin(), extra.end());
  if (std::find(extra.begin(), extra.end(), "--threads") == extra.end()) args.insert(args.end(), {"--threads", "2"});
  return args;
}

std::string read_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

// Mean of the first and of the last `k` rows of a loss column.
std::pair<double, double> first_and_last(const training::LossTable& table, const std::string& column, std::size_t k) {
  const std::size_t c = table.column(column);
  double first = 0, last = 0;
  for (std::size_t i = 0; i < k; ++i) {
    first += table.rows[i][c];
    last += table.rows[table.rows.size() - 1 - i][c];
  }
  return {first / k, last / k};
}

// Every entry of two state folders' module and optimizer files, compared bit for bit.
void check_same_state(const fs::path& a, const fs::path& b) {
  for (const char* file : {training::kModuleFile, training::kOptimizerFile}) {
    INFO(file);
    const auto x = read_tensor_archive(a / file);
    const auto y = read_tensor_archive(b / file);
    REQUIRE(x.size() == y.size());
    for (std::size_t i = 0; i < x.size(); ++i) {
      CHECK(x[i].name == y[i].name);
      CHECK(torch::equal(x[i].tensor, y[i].tensor));
    }
  }
  CHECK(read_file(a / training::kExamplesSeenFile) == read_file(b / training::kExamplesSeenFile));
}

std::vector<std::vector<double>> loss_values(const fs::path& csv) {
  training::LossTable table = training::read_loss_log(csv);
  const std::size_t seconds = table.column("seconds");
  for (auto& row : table.rows) row.erase(row.begin() + static_cast<std::ptrdiff_t>(seconds));
  return table.rows;
}

}  // namespace

TEST_CASE("distill cli: init checks the pictures and writes a config the reference can read", "[distill][cli]") {
  ScratchDir dir("distill-init");
  const fs::path out = dir.path() / "mine";
  const CliResult ok = run_cli({"distill", "init", "--image", shared_image("lambda_01.png").string(), "--mask",
                                shared_image("lambda_01_face_mask.png").string(), "--out", out.string(), "--batch-size",
                                "4", "--sample-every", "none"});
  INFO(ok.output);
  REQUIRE(ok.exit_code == 0);
  const std::string yaml = read_file(out / "config.yaml");
  CHECK_THAT(yaml, Contains("prefix: \"" + fs::absolute(out).string() + "\""));
  CHECK_THAT(yaml, Contains("face_morpher_random_seed_0: 12771885812175595441"));
  CHECK_THAT(yaml, Contains("face_morpher_batch_size: 4"));
  CHECK_THAT(yaml, Contains("face_morpher_num_training_examples_per_sample_output: null"));
  // Not twice without --force.
  const CliResult again = run_cli({"distill", "init", "--image", shared_image("lambda_01.png").string(), "--mask",
                                   shared_image("lambda_01_face_mask.png").string(), "--out", out.string()});
  CHECK(again.exit_code != 0);
  CHECK_THAT(again.output, Contains("--force"));
  // A bad mask: nothing is created.
  const CliResult bad = run_cli({"distill", "init", "--image", shared_image("lambda_01.png").string(), "--mask",
                                 shared_image("lambda_01.png").string(), "--out", (dir.path() / "other").string()});
  CHECK(bad.exit_code != 0);
  CHECK_THAT(bad.output, Contains("pixels are neither") || Contains("transparent"));
  CHECK_FALSE(fs::exists(dir.path() / "other"));
}

TEST_CASE("distill cli: every input problem stops the run before anything is written", "[distill][cli]") {
  ScratchDir dir("distill-errors");
  const DistillSetup setup = make_setup(dir.path());
  const auto nothing_written = [&] {
    for (const char* part : {distill::kFaceRunFolder, distill::kBodyRunFolder, distill::kCharacterModelFolder}) {
      CHECK_FALSE(fs::exists(setup.prefix / part));
    }
  };
  // A missing teacher file is named, with where to get the weights.
  fs::rename(setup.teacher / "upscaler.pt", dir.path() / "upscaler.pt");
  CliResult r = run_cli(run_args(setup, {"--face-examples", "8"}));
  CHECK(r.exit_code != 0);
  CHECK_THAT(r.output, Contains("upscaler.pt") && Contains("talking-head-anime-4-demo"));
  nothing_written();
  fs::rename(dir.path() / "upscaler.pt", setup.teacher / "upscaler.pt");
  // A corrupt teacher file.
  const std::string good = read_file(setup.teacher / "face_morpher.pt");
  std::ofstream(setup.teacher / "face_morpher.pt", std::ios::binary) << good.substr(0, good.size() / 2);
  r = run_cli(run_args(setup, {"--face-examples", "8"}));
  CHECK(r.exit_code != 0);
  CHECK_THAT(r.output, Contains("face_morpher.pt"));
  nothing_written();
  std::ofstream(setup.teacher / "face_morpher.pt", std::ios::binary) << good;
  // No teacher at all.
  std::vector<std::string> no_teacher = run_args(setup, {});
  no_teacher.erase(no_teacher.begin() + 3, no_teacher.begin() + 5);
  r = run_cli(no_teacher);
  CHECK(r.exit_code != 0);
  CHECK_THAT(r.output, Contains("--tha4-dir"));
  // Config problems: seeds out of range, a mask with grey pixels, a prefix that cannot be written.
  const std::string config = read_file(setup.config);
  const auto with = [&](const std::string& from, const std::string& to) {
    std::string text = config;
    text.replace(text.find(from), from.size(), to);
    std::ofstream(setup.config) << text;
  };
  with("face_morpher_random_seed_1: 14367217090963479175", "face_morpher_random_seed_1: 18446744073709551616");
  r = run_cli(run_args(setup, {"--face-examples", "8"}));
  CHECK(r.exit_code != 0);
  CHECK_THAT(r.output, Contains("face_morpher_random_seed_1") && Contains("18446744073709551615"));
  nothing_written();
  with(shared_image("lambda_00_face_mask.png").string(), shared_image("lambda_00.png").string());
  r = run_cli(run_args(setup, {"--face-examples", "8"}));
  CHECK(r.exit_code != 0);
  CHECK_THAT(r.output, Contains("face mask"));
  nothing_written();
  with("prefix: \"" + fs::absolute(setup.prefix).string() + "\"", "prefix: \"/proc/tha4-distill\"");
  r = run_cli(run_args(setup, {"--face-examples", "8"}));
  CHECK(r.exit_code != 0);
  CHECK_THAT(r.output, Contains("cannot be written"));
  std::ofstream(setup.config) << config;
  // A batch that two processes cannot share.
  with("face_morpher_batch_size: 8", "face_morpher_batch_size: 1");
  r = run_cli(run_args(setup, {"--face-examples", "8", "--gpus", "2"}));
  CHECK(r.exit_code != 0);
  CHECK_THAT(r.output, Contains("face_morpher_batch_size"));
  nothing_written();
}

TEST_CASE("distill cli: a tiny distillation lowers every loss term and writes a model the project loads",
          "[distill][cli][fixture]") {
  const fs::path root = fixture_prefix();
  fs::remove_all(root);
  const DistillSetup setup = make_setup(root, {"--batch-size", "2"});
  // Two poses in the reference's pose_dataset.pt format (a list of one (N, 45) tensor): every step trains on
  // the same batch, so each loss term must fall within a few dozen steps.
  const fs::path poses = root / "pose_dataset.pt";
  write_tensor_sequence_archive(poses, {distill::make_builtin_pose_sampler()->poses({0, 1})},
                                TensorSequenceKind::kList);
  const CliResult r =
      run_cli(run_args(setup, {"--pose-dataset", poses.string(), "--face-examples", "96", "--body-examples", "48",
                               "--sample-every", "48", "--checkpoint-every", "24"}));
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.output, Contains("pose_dataset.pt (2 poses)") && Contains("character model written"));

  // Every loss term of both students falls (the first three steps against the last three). The body's
  // weighted total is not compared: its phase weights change during the run.
  const training::LossTable face = training::read_loss_log(setup.prefix / "face_morpher" / training::kLossLogFile);
  REQUIRE(face.rows.size() == 48);
  for (const char* term : {"l1", "masked_l1", "total"}) {
    const auto [first, last] = first_and_last(face, term, 3);
    INFO("face " << term << ": " << first << " -> " << last);
    CHECK(last < 0.7 * first);
  }
  const training::LossTable body = training::read_loss_log(setup.prefix / "body_morpher" / training::kLossLogFile);
  REQUIRE(body.rows.size() == 24);
  for (const char* term : {"blended", "warped", "grid_change", "color_change"}) {
    const auto [first, last] = first_and_last(body, term, 3);
    INFO("body " << term << ": " << first << " -> " << last);
    CHECK(last < 0.7 * first);
  }
  // Sample sheets in the reference's sizes; checkpoints; the character model in the official layout.
  const Rgba8Image face_sheet = read_rgba8_image(training::sample_output_file(setup.prefix / "face_morpher", 96));
  CHECK(face_sheet.width == 512);
  CHECK(fs::exists(training::sample_output_file(setup.prefix / "face_morpher", 0)));
  const Rgba8Image body_sheet = read_rgba8_image(training::sample_output_file(setup.prefix / "body_morpher", 48));
  CHECK(body_sheet.width == 7 * 512);
  CHECK(body_sheet.height == 4 * 512);
  CHECK(fs::is_directory(setup.prefix / "face_morpher" / "checkpoint" / "0004"));
  const fs::path model_folder = setup.prefix / distill::kCharacterModelFolder;
  CHECK(read_file(model_folder / "character_model.yaml") ==
        "character_image_file_name: character.png\nface_morpher_file_name: face_morpher.pt\n"
        "body_morpher_file_name: body_morpher.pt\n");
  CHECK(read_file(model_folder / "character.png") == read_file(shared_image("lambda_00.png")));
  // Round trip: the project's loader reads back exactly the trained weights (the final snapshots).
  CharacterModel model = load_character_model(model_folder);
  for (const auto& [part, module] : std::vector<std::pair<std::string, torch::nn::Module*>>{
           {"face_morpher", model.face_morpher.get()}, {"body_morpher", model.body_morpher.get()}}) {
    const auto trained = read_tensor_archive(training::snapshot_folder(setup.prefix / part) / training::kModuleFile);
    const auto loaded = module->named_parameters();
    REQUIRE(trained.size() == loaded.size());
    for (const auto& tensor : trained) CHECK(torch::equal(tensor.tensor, loaded[tensor.name]));
  }
  // The loss curves as a picture.
  const CliResult plot = run_cli({"distill", "plot", setup.prefix.string()});
  INFO(plot.output);
  CHECK(plot.exit_code == 0);
  CHECK(read_rgba8_image(setup.prefix / "losses.png").height == 2 * 440);
}

TEST_CASE("distill cli: the distilled character renders with tha4 render", "[distill][cli][uses-fixture]") {
  const fs::path model = fixture_prefix() / "prefix" / distill::kCharacterModelFolder;
  REQUIRE(fs::exists(model / "character_model.yaml"));
  ScratchDir dir("distill-render");
  for (const char* engine : {"reference", "fast"}) {
    INFO(engine);
    const fs::path out = dir.path() / (std::string(engine) + ".png");
    const CliResult r = run_cli({"render", "--character", model.string(), "--engine", engine, "--pose",
                                 "head_x=0.5,mouth_aaa=1,eye_wink=1", "-o", out.string(), "--threads", "2"});
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    const Rgba8Image image = read_rgba8_image(out);
    CHECK(image.width == 512);
  }
  // The prefix itself names the finished model too (as the OBS source takes it).
  const CliResult info = run_cli({"info", "--character", model.string()});
  CHECK(info.exit_code == 0);
}

TEST_CASE("distill cli: a run killed at any moment resumes to the same weights bit for bit", "[distill][cli]") {
  ScratchDir dir("distill-resume");
  const DistillSetup whole = make_setup(dir.path() / "whole", {"--batch-size", "4", "--sample-every", "none"});
  const std::vector<std::string> face_only = {"--part",           "face", "--face-examples",    "48",
                                              "--snapshot-every", "8",    "--checkpoint-every", "16"};
  CliResult r = run_cli(run_args(whole, face_only));
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  const fs::path reference = training::snapshot_folder(whole.prefix / "face_morpher");

  // Killed right after step 5 (between snapshots), in the middle of writing the snapshot at 8 examples, and
  // between its two renames (fault_injection.h: saves 1-2 are checkpoint 0000's, 3-4 that snapshot's); each
  // time started again until done.
  for (const std::string fault : {"kill-after-step:5", "kill-during-save:3", "kill-during-save:4"}) {
    INFO(fault);
    ScratchDir run_dir("distill-resume-" + fault.substr(0, 10));
    const DistillSetup killed = make_setup(run_dir.path(), {"--batch-size", "4", "--sample-every", "none"});
    ::setenv("THA4_TRAINING_FAULT", fault.c_str(), 1);
    r = run_cli(run_args(killed, face_only));
    ::unsetenv("THA4_TRAINING_FAULT");
    CHECK(r.exit_code != 0);  // SIGKILL
    r = run_cli(run_args(killed, face_only));
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.output, Contains("resumed at"));
    check_same_state(reference, training::snapshot_folder(killed.prefix / "face_morpher"));
    CHECK(loss_values(whole.prefix / "face_morpher" / training::kLossLogFile) ==
          loss_values(killed.prefix / "face_morpher" / training::kLossLogFile));
  }
}

TEST_CASE("distill cli: two processes over Gloo give the weights of one process with the combined batch",
          "[distill][cli][distributed]") {
  ScratchDir dir("distill-gloo");
  // Two threads per process even on two cores: with one, LibTorch 1.13 leaves oneDNN for its slow generic path
  // on 1×1 convolutions.
  const std::vector<std::string> run = {"--part", "face", "--face-examples", "24", "--threads", "2"};
  const DistillSetup one = make_setup(dir.path() / "one", {"--batch-size", "4", "--sample-every", "none"});
  CliResult r = run_cli(run_args(one, run));
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  const DistillSetup two = make_setup(dir.path() / "two", {"--batch-size", "4", "--sample-every", "none"});
  std::vector<std::string> args = run_args(two, run);
  args.insert(args.end(), {"--gpus", "2"});
  r = run_cli(args);
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.output, Contains("gloo, 2 processes"));
  const auto a = read_tensor_archive(training::snapshot_folder(one.prefix / "face_morpher") / training::kModuleFile);
  const auto b = read_tensor_archive(training::snapshot_folder(two.prefix / "face_morpher") / training::kModuleFile);
  REQUIRE(a.size() == b.size());
  double worst = 0, largest_step = 0;
  const auto start =
      read_tensor_archive(training::checkpoint_folder(one.prefix / "face_morpher", 0) / training::kModuleFile);
  for (std::size_t i = 0; i < a.size(); ++i) {
    worst = std::max(worst, (a[i].tensor - b[i].tensor).abs().max().item<double>());
    largest_step = std::max(largest_step, (a[i].tensor - start[i].tensor).abs().max().item<double>());
  }
  INFO("max difference " << worst << ", largest change by training " << largest_step);
  CHECK(largest_step > 1e-4);  // the weights did move
  CHECK(worst < 1e-5);         // float rounding of the gradient average, far below the change
  // The batch-mean losses agree too.
  const auto la = loss_values(one.prefix / "face_morpher" / training::kLossLogFile);
  const auto lb = loss_values(two.prefix / "face_morpher" / training::kLossLogFile);
  REQUIRE(la.size() == lb.size());
  for (std::size_t i = 0; i < la.size(); ++i) CHECK(la[i][2] == Approx(lb[i][2]).epsilon(1e-4));
}
