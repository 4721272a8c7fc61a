// Training the improved body rotator (seed supplement §1–2), its runs: the dataset's checks and tiny real runs
// (loss falls, phases switch on time, resume is exact, two processes, prefetching, and the result loads into
// the full system). The loss terms themselves: test_rotator_losses.cpp.
#include "inference/full/full_poser.h"
#include "inference/image/image_io.h"
#include "inference/rotator_training/body_rotator_task.h"
#include "inference/rotator_training/rotator_trainer.h"
#include "inference/rotator_training/synthetic_dataset.h"
#include "inference/training/loss_log.h"
#include "inference/training/state_layout.h"
#include "inference/util/errors.h"
#include "inference/weights/state_dict.h"
#include "inference/weights/tensor_archive_writer.h"
#include "tests/golden_teacher.h"
#include "tests/rotator_training_fixtures.h"
#include "tests/test_support.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>

namespace rt = tha4::rotator_training;
namespace fs = std::filesystem;
using Catch::Matchers::Contains;
using tha4::test::ScratchDir;
using tha4::test::error_of;
using namespace tha4::test::rotator_training;

TEST_CASE("rotator training: bad examples are named by line and file, and skipped only on request",
          "[rotator-training]") {
  ScratchDir dir("rotator-dataset");
  rt::write_synthetic_dataset(dir.path(), 16, 3, 1, 0);
  tha4::write_png(tha4::Rgba8Image(8, 8), dir.path() / "small.png");
  {
    std::ofstream csv(dir.path() / rt::kExamplesFile, std::ios::app);
    csv << "rest/character_0.png,absent.png,0,0,0,0,0,0\n"
        << "rest/character_0.png,small.png,0,0,0,0,0,0\n"
        << "rest/character_0.png,posed/example_0.png,0,nan,0,0,0,0\n"
        << "rest/character_0.png,posed/example_0.png,0,0\n";
  }
  const std::string message = error_of([&] { rt::RotatorDataset(dir.path(), 16, false); });
  CHECK_THAT(message, Contains("4 bad example(s)"));
  CHECK_THAT(message, Contains("line 5:"));
  CHECK_THAT(message, Contains("absent.png"));
  CHECK_THAT(message, Contains("line 6:"));
  CHECK_THAT(message, Contains("8x8"));
  CHECK_THAT(message, Contains("line 7: pose value 2"));
  CHECK_THAT(message, Contains("line 8: expected 8"));
  CHECK_THAT(message, Contains("--skip-bad-examples"));
  const rt::RotatorDataset dataset(dir.path(), 16, true);
  CHECK(dataset.size() == 3);
  CHECK(dataset.skipped().size() == 4);
  const rt::RotatorBatch batch = dataset.batch({0, 2}, torch::kCPU);
  CHECK(batch.rest.sizes() == torch::IntArrayRef({2, 4, 16, 16}));
  CHECK(batch.posed_half.sizes() == torch::IntArrayRef({2, 4, 8, 8}));
  CHECK(batch.pose.sizes() == torch::IntArrayRef({2, 6}));
  CHECK_THAT(error_of([&] { rt::RotatorDataset(dir.path() / "nowhere", 16, false); }), Contains("examples.csv"));
  CHECK_THAT(error_of([&] { rt::RotatorDataset(dir.path(), 32, true); }), Contains("no usable example"));
}

TEST_CASE("rotator training: a tiny rotator run lowers every loss term and switches phase on time",
          "[rotator-training]") {
  ScratchDir dir("rotator-run");
  rt::write_synthetic_dataset(dir.path() / "data", 64, 8, 2, 0);
  auto dataset = std::make_shared<const rt::RotatorDataset>(dir.path() / "data", 64, false);
  auto phi = std::make_shared<rt::PerceptualLoss>(rt::load_vgg16_features(write_random_vgg16(dir.path())));
  rt::BodyRotatorTask task(dataset, phi, tiny_task_settings(rt::RotatorNetwork::kHalfResRotator, {32, 288}));
  const rt::TrainingPhase phase2 = task.phases().at(32);
  torch::manual_seed(0);
  task.initialize_module();
  const std::vector<double> before = exact_terms(task, *dataset, phase2);

  const tha4::training::TrainingOptions options =
      tiny_run(dir.path() / "run", task.phases().total_examples(), 160, 80, 160);
  tha4::training::train(task, options);
  CHECK(task.prefetch_hits() == 79);  // every step of the 80 but the first was read ahead
  const std::vector<double> after = exact_terms(task, *dataset, phase2);
  const std::vector<std::string> names = task.loss_names();
  for (std::size_t i = 0; i < names.size(); ++i) {
    INFO(names[i] << ": " << before[i] << " -> " << after[i]);
    CHECK(after[i] < 0.9 * before[i]);
  }
  // The loss log: perceptual columns are nan for the steps of phase 1 (those starting before 32 examples).
  const tha4::training::LossTable log =
      tha4::training::read_loss_log(options.run_folder / tha4::training::kLossLogFile);
  const std::size_t examples = log.column("examples"), percept = log.column("percept_blended"),
                    l1 = log.column("l1_blended");
  REQUIRE(log.rows.size() == 80);
  for (const auto& row : log.rows) {
    INFO("row at " << row[examples]);
    CHECK(std::isfinite(row[l1]));
    CHECK(std::isfinite(row[percept]) == (row[examples] > 32));
  }
  CHECK(fs::is_regular_file(tha4::training::sample_output_file(options.run_folder, 320)));
}

TEST_CASE("rotator training: a tiny editor run switches to the coarse inputs in phase 3 and lowers its terms",
          "[rotator-training]") {
  ScratchDir dir("editor-run");
  rt::write_synthetic_dataset(dir.path() / "data", 64, 8, 2, 0);
  auto dataset = std::make_shared<const rt::RotatorDataset>(dir.path() / "data", 64, false);
  auto phi = std::make_shared<rt::PerceptualLoss>(rt::load_vgg16_features(write_random_vgg16(dir.path())));
  torch::manual_seed(3);
  tha4::write_tensor_archive(dir.path() / "body_morpher.pt",
                             tha4::module_state_dict(*tha4::full::HalfResRotator(tiny_sizes().body_morpher)));
  rt::BodyRotatorTaskSettings settings = tiny_task_settings(rt::RotatorNetwork::kEditor, {8, 8, 160});
  CHECK_THAT(error_of([&] { rt::BodyRotatorTask(dataset, phi, settings); }), Contains("--rotator"));
  settings.coarse_rotator_weights = dir.path() / "body_morpher.pt";
  rt::BodyRotatorTask task(dataset, phi, settings);
  const rt::TrainingPhase phase3 = task.phases().at(16);
  REQUIRE(phase3.coarse_inputs);
  torch::manual_seed(0);
  task.initialize_module();
  const std::vector<double> before = exact_terms(task, *dataset, phase3);

  const tha4::training::TrainingOptions options =
      tiny_run(dir.path() / "run", task.phases().total_examples(), 88, 88, std::nullopt);
  tha4::training::train(task, options);
  const std::vector<double> after = exact_terms(task, *dataset, phase3);
  const std::vector<std::string> names = task.loss_names();
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (!std::isfinite(before[i])) continue;  // the full-size perceptual terms are not phase 3's
    INFO(names[i] << ": " << before[i] << " -> " << after[i]);
    CHECK(after[i] < 0.9 * before[i]);
  }
  const tha4::training::LossTable log =
      tha4::training::read_loss_log(options.run_folder / tha4::training::kLossLogFile);
  const std::size_t examples = log.column("examples"), percept = log.column("percept_direct"),
                    half = log.column("half_direct"), quad = log.column("quad_blended");
  for (const auto& row : log.rows) {
    const double seen = row[examples];
    INFO("row at " << seen);
    CHECK(std::isfinite(row[percept]) == (seen > 8 && seen <= 16));
    CHECK(std::isfinite(row[half]) == (seen > 16));
    CHECK(std::isfinite(row[quad]) == (seen > 16));
  }
}

TEST_CASE("rotator training: a run stopped and resumed ends with the weights of an uninterrupted run",
          "[rotator-training]") {
  ScratchDir dir("rotator-resume");
  rt::write_synthetic_dataset(dir.path() / "data", 64, 8, 2, 0);
  auto dataset = std::make_shared<const rt::RotatorDataset>(dir.path() / "data", 64, false);
  auto phi = std::make_shared<rt::PerceptualLoss>(rt::load_vgg16_features(write_random_vgg16(dir.path())));
  auto run = [&](const fs::path& folder, int64_t total) {
    rt::BodyRotatorTask task(dataset, phi, tiny_task_settings(rt::RotatorNetwork::kHalfResRotator, {8, 24}));
    tha4::training::train(task, tiny_run(folder, total, 16, 8, std::nullopt));
    return tha4::module_state_dict(task.module());
  };
  const auto whole = run(dir.path() / "whole", 32);
  run(dir.path() / "parts", 20);  // stops inside phase 2, between snapshots
  const auto resumed = run(dir.path() / "parts", 32);
  REQUIRE(whole.size() == resumed.size());
  for (std::size_t i = 0; i < whole.size(); ++i) {
    INFO(whole[i].name);
    CHECK(torch::equal(whole[i].tensor, resumed[i].tensor));
  }
}

TEST_CASE("rotator training: tha4 train writes weights that tha4 render --model full loads unchanged",
          "[rotator-training][cli]") {
  using tha4::test::run_cli;
  ScratchDir dir("train-cli");
  const fs::path teacher = dir.path() / "teacher";
  fs::create_directories(teacher);
  tha4::test::write_teacher_weight_folder(teacher);
  const std::string pipeline = tha4::test::teacher_pipeline_json().string();
  const std::string vgg = write_random_vgg16(dir.path()).string();
  const std::string data = (dir.path() / "data").string(), out = (dir.path() / "out").string();
  tha4::test::CliResult r = run_cli({"train", "synthetic-dataset", data, "--size", "512", "--examples", "2"});
  REQUIRE(r.exit_code == 0);

  // Input problems stop the run with a message before anything is written.
  ::unsetenv("THA4_VGG16");
  r = run_cli({"train", "rotator", "--dataset", data, "--out", out, "--full-config", pipeline});
  CHECK(r.exit_code != 0);
  CHECK_THAT(r.output, Contains("--vgg16"));
  r = run_cli({"train", "editor", "--dataset", data, "--vgg16", vgg, "--out", out, "--full-config", pipeline,
               "--phases", "1,1,1"});
  CHECK(r.exit_code != 0);
  CHECK_THAT(r.output, Contains("--rotator"));
  r = run_cli({"train", "rotator", "--dataset", data, "--vgg16", vgg, "--out", out, "--phases", "1,2,3"});
  CHECK(r.exit_code != 0);
  CHECK_THAT(r.output, Contains("2 phases"));
  CHECK_FALSE(fs::exists(out));

  r = run_cli({"train", "rotator", "--dataset", data, "--vgg16", vgg, "--out", out, "--full-config", pipeline,
               "--phases", "1,1", "--batch-size", "1", "--threads", "2"});
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK(fs::is_regular_file(fs::path(out) / "body_morpher" / "losses.png"));
  r = run_cli({"train", "editor", "--dataset", data, "--vgg16", vgg, "--out", out, "--full-config", pipeline,
               "--phases", "1,1,1", "--batch-size", "1", "--threads", "2", "--rotator", out + "/body_morpher.pt"});
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  for (const char* file : {"body_morpher.pt", "upscaler.pt"}) {
    fs::copy_file(fs::path(out) / file, teacher / file, fs::copy_options::overwrite_existing);
  }
  const fs::path image = dir.path() / "posed.png";
  r = run_cli({"render", "--model", "full", "--tha4-dir", teacher.string(), "--full-config", pipeline, "--image",
               (tha4::test::shared_images_dir() / "lambda_00.png").string(), "--pose", "body_z=0.5,head_x=0.3", "-o",
               image.string(), "--threads", "2"});
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK(tha4::read_rgba8_image(image).width == 512);
}

TEST_CASE("rotator training: two processes over Gloo train as one process with the combined batch",
          "[rotator-training][cli]") {
  using tha4::test::run_cli;
  ScratchDir dir("train-gloo");
  const std::string pipeline = tha4::test::teacher_pipeline_json().string();
  const std::string vgg = write_random_vgg16(dir.path()).string();
  const std::string data = (dir.path() / "data").string();
  REQUIRE(run_cli({"train", "synthetic-dataset", data, "--size", "512", "--examples", "4"}).exit_code == 0);
  // Exact perceptual terms: no coins, so both runs compute the same losses up to the order of the sums.
  auto train = [&](const std::string& name, const std::string& processes) {
    const fs::path out = dir.path() / name;
    const tha4::test::CliResult r = run_cli({"train",
                                             "rotator",
                                             "--dataset",
                                             data,
                                             "--vgg16",
                                             vgg,
                                             "--out",
                                             out.string(),
                                             "--full-config",
                                             pipeline,
                                             "--phases",
                                             "2,2",
                                             "--batch-size",
                                             "2",
                                             "--exact-perceptual",
                                             "--learning-rate",
                                             "1e-3",
                                             "--warm-up",
                                             "0",
                                             "--gpus",
                                             processes,
                                             "--threads",
                                             "1"});
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    return tha4::training::read_loss_log(out / "body_morpher" / tha4::training::kLossLogFile);
  };
  const tha4::training::LossTable one = train("one", "1");
  const tha4::training::LossTable two = train("two", "2");
  // Every term of every step (phase 1, then phase 2 with the perceptual terms) agrees: the ranks split the
  // batch as one process takes it, and the averaged gradients make the same updates. (The weights themselves
  // are not compared element by element: GroupNorm cancels each conv0 bias exactly, so its gradient is
  // rounding noise, which Adam's normalisation turns into steps of ±lr that differ between any two runs
  // summing in another order, without changing any output.)
  REQUIRE(one.rows.size() == 2);
  REQUIRE(two.rows.size() == 2);
  const std::size_t seconds = one.column("seconds");
  for (std::size_t row = 0; row < one.rows.size(); ++row) {
    for (std::size_t c = 0; c < one.columns.size(); ++c) {
      if (c == seconds || std::isnan(one.rows[row][c])) continue;
      INFO("step " << row + 1 << " " << one.columns[c]);
      CHECK(two.rows[row][c] == Approx(one.rows[row][c]).epsilon(1e-4));
    }
  }
  // The steps did change the loss.
  CHECK(one.rows[1][one.column("l1_blended")] < one.rows[0][one.column("l1_blended")]);
}

TEST_CASE("rotator training: a prefetched batch is the batch read directly, and a wrong guess is read again",
          "[rotator-training]") {
  ScratchDir dir("rotator-prefetch");
  rt::write_synthetic_dataset(dir.path() / "data", 64, 6, 2, 0);
  auto dataset = std::make_shared<const rt::RotatorDataset>(dir.path() / "data", 64, false);
  auto phi = std::make_shared<rt::PerceptualLoss>(rt::load_vgg16_features(write_random_vgg16(dir.path())));
  rt::BodyRotatorTask task(dataset, phi, tiny_task_settings(rt::RotatorNetwork::kHalfResRotator, {8, 8}));
  torch::manual_seed(0);
  task.initialize_module();
  task.module().eval();  // no dropout: the same examples give the same loss
  torch::NoGradGuard no_grad;
  const double direct = task.loss({1, 4}, 0).total.item<double>();
  const double other = task.loss({5, 3}, 0).total.item<double>();
  CHECK(task.prefetch_hits() == 0);
  // The loop's order: the next step is named before this step's loss(), so two reads can be pending.
  task.prefetch({1, 4});
  task.prefetch({5, 3});
  CHECK(task.loss({1, 4}, 0).total.item<double>() == direct);
  CHECK(task.prefetch_hits() == 1);
  CHECK(task.loss({5, 3}, 0).total.item<double>() == other);
  CHECK(task.prefetch_hits() == 2);
  task.prefetch({0, 2});  // the next step asks for other examples: they are read then
  CHECK(task.loss({1, 4}, 0).total.item<double>() == direct);
  CHECK(task.prefetch_hits() == 2);
  const rt::DecodedExamples read = dataset->read({5, 3});
  const rt::RotatorBatch batch = dataset->batch({5, 3}, torch::kCPU);
  CHECK(torch::equal(dataset->to_batch(read, torch::kCPU).posed_half, batch.posed_half));
}
