// The shared training loop (inference/training/): batch sampling, optimizer state, state folders, the loss log
// and exact resume, on a small task that trains in milliseconds.
#include "inference/image/image_io.h"
#include "inference/training/adam_state.h"
#include "inference/training/batch_sampler.h"
#include "inference/training/loss_log.h"
#include "inference/training/loss_plot.h"
#include "inference/training/progress_file.h"
#include "inference/training/state_layout.h"
#include "inference/training/training_loop.h"
#include "inference/training/training_state.h"
#include "inference/util/errors.h"
#include "inference/weights/tensor_archive_writer.h"
#include "tests/test_support.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

#include <fstream>
#include <set>
#include <sstream>

using namespace tha4;
using namespace tha4::training;
using tha4::test::ScratchDir;
namespace fs = std::filesystem;

namespace {

// Fits y = x·w_true with a noisy loss: the noise comes from LibTorch's generator, as the rotator's stochastic
// perceptual loss will, so an exact resume needs the RNG state too.
class ToyTask final : public TrainingTask {
 public:
  ToyTask() : module_(torch::nn::LinearOptions(3, 1)) {
    inputs_ = torch::linspace(-1, 1, 64 * 3).view({64, 3}).sin();
    targets_ = inputs_.matmul(torch::tensor({0.5f, -1.0f, 2.0f}).view({3, 1}));
  }
  std::string name() const override { return "toy"; }
  torch::nn::Module& module() override { return *module_; }
  void initialize_module() override { module_->reset_parameters(); }
  double learning_rate(int64_t examples_seen) const override { return examples_seen < 32 ? 0.05 : 0.02; }
  std::vector<std::string> loss_names() const override { return {"mse", "noise"}; }
  int64_t dataset_size() const override { return 64; }
  StepLoss loss(const std::vector<int64_t>& examples, int64_t) override {
    const torch::Tensor index = torch::tensor(examples, torch::kLong);
    const torch::Tensor error = module_->forward(inputs_.index_select(0, index)) - targets_.index_select(0, index);
    const torch::Tensor mse = error.pow(2).mean();
    const torch::Tensor noise = 1e-3 * torch::randn({}) * mse;
    losses.push_back(examples);
    return {{mse, noise}, mse + noise};
  }
  void prefetch(const std::vector<int64_t>& next_examples) override { prefetched.push_back(next_examples); }
  void write_sample_output(const fs::path& png) override {
    fs::create_directories(png.parent_path());
    write_png(Rgba8Image(4, 4), png);
    ++samples_written;
  }
  torch::nn::Linear module_;
  torch::Tensor inputs_, targets_;
  int samples_written = 0;
  std::vector<std::vector<int64_t>> losses, prefetched;  // the examples of each loss() and prefetch() call
};

TrainingOptions toy_options(const fs::path& run, int64_t total) {
  TrainingOptions options;
  options.run_folder = run;
  options.schedule.total_examples = total;
  options.schedule.checkpoint_interval = 16;
  options.schedule.snapshot_interval = 8;
  options.schedule.sample_output_interval = 16;
  options.batch_size = 4;
  options.seed = 7;
  return options;
}

std::vector<torch::Tensor> weights_of(torch::nn::Module& module) {
  std::vector<torch::Tensor> weights;
  for (const auto& p : module.parameters()) weights.push_back(p.detach().clone());
  return weights;
}

bool bit_equal(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (!torch::equal(a[i], b[i])) return false;
  }
  return true;
}

// The loss log without its wall-clock column.
std::vector<std::vector<double>> loss_rows(const fs::path& csv) {
  LossTable table = read_loss_log(csv);
  const std::size_t seconds = table.column("seconds");
  for (auto& row : table.rows) row.erase(row.begin() + static_cast<std::ptrdiff_t>(seconds));
  return table.rows;
}

}  // namespace

TEST_CASE("training: the batch sampler splits a step like DistributedSampler and resumes mid-epoch", "[training]") {
  for (const auto& [n, batch, world] :
       std::vector<std::tuple<int64_t, int64_t, int>>{{10, 2, 2}, {11, 2, 2}, {37, 3, 3}, {64, 4, 2}}) {
    INFO("N " << n << ", batch " << batch << " per rank, " << world << " ranks");
    DistributedBatchSampler single(n, batch * world, 0, 1);
    std::vector<DistributedBatchSampler> ranks;
    for (int r = 0; r < world; ++r) ranks.emplace_back(n, batch, r, world);
    CHECK(single.steps_per_epoch() == ranks[0].steps_per_epoch());
    std::set<int64_t> seen_in_epoch;
    for (int64_t step = 0; step < 3 * single.steps_per_epoch(); ++step) {
      const int64_t examples_seen = step * batch * world;
      const auto whole = single.batch(examples_seen);
      std::multiset<int64_t> from_ranks;
      for (auto& rank : ranks) {
        const auto part = rank.batch(examples_seen);
        CHECK(static_cast<int64_t>(part.size()) == batch);
        from_ranks.insert(part.begin(), part.end());
      }
      CHECK(from_ranks == std::multiset<int64_t>(whole.begin(), whole.end()));
      if (step % single.steps_per_epoch() == 0) seen_in_epoch.clear();
      for (const int64_t index : whole) {
        CHECK(index >= 0);
        CHECK(index < n);
        CHECK(seen_in_epoch.insert(index).second);  // within an epoch, no example twice
      }
    }
    // A fresh sampler (a resumed run) gives the same batch at the same position.
    DistributedBatchSampler resumed(n, batch * world, 0, 1);
    const int64_t later = (single.steps_per_epoch() + 1) * batch * world;
    CHECK(resumed.batch(later) == single.batch(later));
  }
  // Epochs are different permutations.
  DistributedBatchSampler sampler(100, 50, 0, 1);
  CHECK(sampler.batch(0) != sampler.batch(100));
  CHECK_THROWS_AS(DistributedBatchSampler(3, 2, 0, 2), Error);
}

TEST_CASE("training: Adam's state saved as tensors and loaded continues bit for bit", "[training]") {
  torch::manual_seed(1);
  torch::nn::Linear a(4, 3);
  torch::nn::Linear b(4, 3);
  {
    torch::NoGradGuard no_grad;
    for (std::size_t i = 0; i < a->parameters().size(); ++i) b->parameters()[i].copy_(a->parameters()[i]);
  }
  const torch::Tensor x = torch::randn({8, 4});
  torch::optim::Adam adam_a = make_adam(a->parameters(), {}, 1e-2);
  auto step = [&](torch::nn::Linear& model, torch::optim::Adam& adam) {
    adam.zero_grad();
    model->forward(x).pow(2).sum().backward();
    adam.step();
  };
  for (int i = 0; i < 3; ++i) step(a, adam_a);
  {
    torch::NoGradGuard no_grad;
    for (std::size_t i = 0; i < a->parameters().size(); ++i) b->parameters()[i].copy_(a->parameters()[i]);
  }
  torch::optim::Adam adam_b = make_adam(b->parameters(), {}, 1e-2);
  const std::vector<NamedTensor> state = adam_state_tensors(adam_a);
  CHECK(state.size() == 6);  // step, exp_avg, exp_avg_sq for weight and bias
  load_adam_state(adam_b, state, "test");
  for (int i = 0; i < 3; ++i) {
    step(a, adam_a);
    step(b, adam_b);
  }
  CHECK(bit_equal(a->parameters(), b->parameters()));

  std::vector<NamedTensor> wrong = state;
  wrong[1].tensor = torch::zeros({2, 2});
  CHECK_THROWS_AS(load_adam_state(adam_b, wrong, "test"), WeightFileError);
  std::vector<NamedTensor> extra = state;
  extra.push_back({"state.9.step", torch::zeros({}, torch::kLong)});
  CHECK_THROWS_AS(load_adam_state(adam_b, extra, "test"), WeightFileError);
}

TEST_CASE("training: a run continued from its snapshot equals an uninterrupted run bit for bit", "[training]") {
  ScratchDir dir("training-resume");
  ToyTask whole;
  const TrainingOutcome full = train(whole, toy_options(dir.path() / "whole", 40));
  CHECK(full.examples_seen == 40);
  CHECK(full.steps == 10);
  CHECK_FALSE(full.resumed_from);

  ToyTask first, second;
  train(first, toy_options(dir.path() / "split", 12));
  const TrainingOutcome rest = train(second, toy_options(dir.path() / "split", 40));
  REQUIRE(rest.resumed_from);
  CHECK(*rest.resumed_from == 12);
  CHECK(rest.steps == 7);
  CHECK(bit_equal(weights_of(whole.module()), weights_of(second.module())));
  CHECK(loss_rows(dir.path() / "whole" / kLossLogFile) == loss_rows(dir.path() / "split" / kLossLogFile));

  // The layout of spec §6.4: checkpoints 0000 (before training), 0001, 0002; the snapshot at the end.
  CHECK(list_checkpoints(dir.path() / "whole") == std::vector<int64_t>{0, 1, 2});
  CHECK(read_examples_seen(snapshot_folder(dir.path() / "whole")) == 40);
  CHECK(read_examples_seen(checkpoint_folder(dir.path() / "whole", 1)) == 16);
  for (const char* file : {kModuleFile, kOptimizerFile, kExamplesSeenFile, "rng_state_00000000.pt"}) {
    CHECK(fs::is_regular_file(snapshot_folder(dir.path() / "whole") / file));
  }
  CHECK(fs::is_regular_file(sample_output_file(dir.path() / "whole", 0)));
  CHECK(fs::is_regular_file(sample_output_file(dir.path() / "whole", 32)));
  CHECK(fs::is_regular_file(sample_output_file(dir.path() / "whole", 40)));  // the final student
  // The progress file a watcher reads (progress_file.h): finished, all examples seen.
  std::ifstream progress_in(dir.path() / "whole" / kProgressFile);
  std::stringstream progress_text;
  progress_text << progress_in.rdbuf();
  const auto progress = parse_training_progress(progress_text.str());
  REQUIRE(progress);
  CHECK(progress->finished);
  CHECK((progress->examples == 40 && progress->total == 40));

  // A finished run started again does nothing and keeps its weights.
  ToyTask again;
  const TrainingOutcome nothing = train(again, toy_options(dir.path() / "whole", 40));
  CHECK(nothing.steps == 0);
  CHECK(bit_equal(weights_of(whole.module()), weights_of(again.module())));
}

TEST_CASE("training: an unreadable snapshot falls back to the newest good checkpoint and still ends exact",
          "[training]") {
  ScratchDir dir("training-corrupt");
  ToyTask reference;
  train(reference, toy_options(dir.path() / "good", 40));

  const fs::path run = dir.path() / "bad";
  ToyTask first;
  train(first, toy_options(run, 20));  // snapshot at 20, checkpoints 0000 and 0001 (16)
  {
    std::ofstream truncated(snapshot_folder(run) / kModuleFile, std::ios::trunc);
    truncated << "PK";
  }
  std::vector<std::string> notes;
  const auto found = find_newest_training_state(run, 1000, notes);
  REQUIRE(found);
  CHECK(found->state.examples_seen == 16);
  REQUIRE(notes.size() == 1);
  CHECK_THAT(notes[0], Catch::Matchers::Contains("snapshot") && Catch::Matchers::Contains(kModuleFile));

  ToyTask resumed;
  const TrainingOutcome outcome = train(resumed, toy_options(run, 40));
  CHECK(outcome.resumed_from == 16);
  CHECK(bit_equal(weights_of(reference.module()), weights_of(resumed.module())));
}

TEST_CASE("training: a save interrupted between its renames is recovered, a half-written one discarded", "[training]") {
  ScratchDir dir("training-swap");
  const fs::path run = dir.path() / "run";
  TrainingState state;
  state.examples_seen = 24;
  state.module = {{"weight", torch::ones({2})}};
  state.optimizer = {};
  state.rng_states = {cpu_rng_state()};
  write_training_state(snapshot_folder(run), state);
  // The kill came after the old snapshot was moved aside and before the new one took its name.
  fs::rename(snapshot_folder(run), run / ".snapshot.replaced");
  fs::create_directories(run / ".snapshot.partial");
  std::ofstream(run / ".snapshot.partial" / kModuleFile) << "half";
  std::vector<std::string> notes;
  const auto found = find_newest_training_state(run, 1000, notes);
  REQUIRE(found);
  CHECK(found->state.examples_seen == 24);
  CHECK(torch::equal(found->state.module[0].tensor, torch::ones({2})));
  CHECK(fs::is_directory(snapshot_folder(run)));
  CHECK_FALSE(fs::exists(run / ".snapshot.partial"));
  CHECK_FALSE(fs::exists(run / ".snapshot.replaced"));
}

TEST_CASE("training: the loss log keeps the rows a resumed run will not compute again", "[training]") {
  ScratchDir dir("loss-log");
  const fs::path csv = dir.path() / "losses.csv";
  {
    LossLog log(csv, {"a", "b"}, 0);
    for (int64_t e = 8; e <= 40; e += 8) log.append(e, 1e-4, {0.5 / e, 0.25}, 0.75, 1.0);
  }
  {
    std::ofstream torn(csv, std::ios::app);
    torn << "48,0.0001,0.01";  // a kill in the middle of a line
  }
  LossLog resumed(csv, {"a", "b"}, 24);
  resumed.append(32, 1e-4, {1.0, 2.0}, 3.0, 0.5);
  const LossTable table = read_loss_log(csv);
  REQUIRE(table.rows.size() == 4);
  CHECK(table.columns == std::vector<std::string>{"examples", "lr", "a", "b", "total", "seconds"});
  CHECK(table.rows[2][0] == 24);
  CHECK(table.rows[3][2] == 1.0);
  CHECK(table.rows[0][2] == 0.5 / 8);  // written exactly
  CHECK_THROWS_WITH(LossLog(csv, {"other"}, 0), Catch::Matchers::Contains("columns"));

  const Rgba8Image plot = plot_loss_curves({{"toy", table}});
  CHECK(plot.width == 1280);
  CHECK(plot.height == 440);

  // Terms a phase does not compute are logged as nan: the plot draws the rows that have them, and a term
  // no row computed yet only appears in the legend.
  LossTable phased = table;
  for (auto& row : phased.rows) row[3] = std::nan("");
  phased.rows[0][2] = phased.rows[1][2] = std::nan("");
  const Rgba8Image phased_plot = plot_loss_curves({{"phased", phased}});
  CHECK(phased_plot.width == 1280);
  const auto differing = std::mismatch(plot.pixels.begin(), plot.pixels.end(), phased_plot.pixels.begin());
  CHECK(differing.first != plot.pixels.end());
}

TEST_CASE("training: before each step the loop names the next step's examples to the task", "[training]") {
  ScratchDir dir("training-prefetch");
  ToyTask task;
  train(task, toy_options(dir.path(), 40));
  REQUIRE(task.losses.size() == 10);
  // Every step but the last announces the next one, and the announcement is what the next step trains on.
  REQUIRE(task.prefetched.size() == 9);
  for (std::size_t step = 0; step + 1 < task.losses.size(); ++step)
    CHECK(task.prefetched[step] == task.losses[step + 1]);
}

TEST_CASE("training: the progress file reads back, and anything malformed reads as nothing", "[training]") {
  TrainingProgress progress;
  progress.examples = 1200;
  progress.total = 10000;
  progress.examples_per_second = 0.5;
  progress.seconds_left = 17600;
  const auto read = parse_training_progress(format_training_progress(progress));
  REQUIRE(read);
  CHECK((read->examples == 1200 && read->total == 10000 && read->examples_per_second == 0.5 &&
         read->seconds_left == 17600 && !read->finished));
  CHECK(read->fraction() == Approx(0.12));
  for (const char* bad :
       {"", "examples 1\ntotal 2\n", "examples 3\ntotal 2\nexamples_per_second 0\nseconds_left -1\nfinished 0\n",
        "examples 1\ntotal 2\nexamples_per_second nan\nseconds_left -1\nfinished 0\n",
        "examples 1\ntotal 2\nexamples_per_second 1\nseconds_left -1\nfinished 2\n",
        "examples 1\nexamples 1\ntotal 2\nexamples_per_second 1\nseconds_left -1\nfinished 0\n",
        "examples x\ntotal 2\nexamples_per_second 1\nseconds_left -1\nfinished 0\n",
        "examples 1\ntotal 2\nexamples_per_second 1\nseconds_left -1\nfinished 0\nmore 1\n"}) {
    INFO(bad);
    CHECK_FALSE(parse_training_progress(bad));
  }
}
