// tha4 train rotator | editor: retrain or fine-tune the full system's body rotator on a dataset of posed
// pictures (seed supplement §2, docs/rotator-training.md).
#include "cli/allocator_tuning.h"
#include "cli/cli_common.h"
#include "cli/commands.h"
#include "cli/process_launcher.h"
#include "cli/training_process.h"
#include "inference/full/full_system_config_json.h"
#include "inference/rotator_training/rotator_trainer.h"
#include "inference/rotator_training/synthetic_dataset.h"
#include "inference/util/errors.h"

#include <nlohmann/json.hpp>
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <sstream>

namespace tha4::cli {
namespace {

namespace fs = std::filesystem;
namespace rt = rotator_training;

struct TrainOptions {
  rt::RotatorNetwork network = rt::RotatorNetwork::kHalfResRotator;
  std::string dataset, vgg16, out, rotator;
  std::string sizes = "official";
  std::string full_config;
  std::string phases;  // comma-separated lengths; empty: the supplement's
  int64_t batch_size = rt::kDefaultBatchSize;
  bool skip_bad_examples = false;
  bool exact_perceptual = false;
  double learning_rate = rt::kPeakLearningRate;
  int64_t warm_up = rt::kWarmUpExamples;
  int64_t checkpoint_every = 0, snapshot_every = 0, sample_every = 0;
  uint64_t seed = 0;
  TrainingProcessOptions process;  // --gpus 0: one process
};

std::vector<int64_t> parse_phase_lengths(const std::string& text) {
  std::vector<int64_t> lengths;
  std::stringstream in(text);
  std::string field;
  while (std::getline(in, field, ',')) {
    char* end = nullptr;
    const long long value = std::strtoll(field.c_str(), &end, 10);
    if (field.empty() || *end != '\0' || value < 1) {
      throw Error("--phases: \"" + field + "\" is not a positive number of examples");
    }
    lengths.push_back(value);
  }
  return lengths;
}

fs::path vgg16_file(const TrainOptions& options) {
  if (!options.vgg16.empty()) return options.vgg16;
  if (const char* env = std::getenv("THA4_VGG16"); env && *env) return env;
  throw WeightFileError("the perceptual loss needs VGG16's weights: pass --vgg16 FILE (or set THA4_VGG16)\n" +
                        rt::vgg16_download_help());
}

rt::RotatorTrainingOptions training_options(const TrainOptions& options) {
  rt::RotatorTrainingOptions run;
  run.network = options.network;
  run.dataset = options.dataset;
  run.vgg16 = vgg16_file(options);
  run.out = options.out;
  run.sizes = !options.full_config.empty()
                  ? full::full_system_config_from_pipeline_json(full::read_json_file(options.full_config))
              : options.sizes == "reduced" ? full::FullSystemConfig::reduced()
                                           : full::FullSystemConfig::official();
  if (!options.phases.empty()) run.phase_lengths = parse_phase_lengths(options.phases);
  run.batch_size = options.batch_size;
  run.skip_bad_examples = options.skip_bad_examples;
  run.peak_learning_rate = options.learning_rate;
  run.warm_up_examples = options.warm_up;
  run.estimate = options.exact_perceptual ? rt::PerceptualEstimate::kExact : rt::PerceptualEstimate::kStochastic;
  if (!options.rotator.empty()) run.coarse_rotator = options.rotator;
  auto positive = [](int64_t value) { return value > 0 ? std::optional<int64_t>(value) : std::nullopt; };
  run.checkpoint_every = positive(options.checkpoint_every);
  run.snapshot_every = positive(options.snapshot_every);
  run.sample_every = positive(options.sample_every);
  run.seed = options.seed;
  return run;
}

void run_worker(const TrainOptions& options) {
  keep_freed_memory_for_reuse();
  rt::RotatorTrainingOptions run = training_options(options);  // option errors before joining the group
  const TrainingProcess process = join_training_processes(options.process);
  run.device = process.device;
  run.communicator = process.communicator.get();
  if (process.rank == 0) {
    run.progress = &std::cerr;
    run.interactive_progress = ::isatty(STDERR_FILENO) != 0;
    run.log = &std::cout;
  }
  rt::run_rotator_training(run);
}

void run_train(const TrainOptions& options) {
  if (launched_as_rank() || options.process.gpus <= 1) {
    run_worker(options);
    return;
  }
  // The checks every process would make, once, before any starts.
  const rt::RotatorTrainingOptions run = training_options(options);
  rt::load_vgg16_features(run.vgg16);
  const std::vector<std::string>& all = program_arguments();
  const int code = run_local_processes(std::vector<std::string>(all.begin() + 1, all.end()), options.process.gpus);
  if (code != 0) throw CLI::RuntimeError(code);
}

void add_network_command(CLI::App& train, rt::RotatorNetwork network, const char* description) {
  auto options = std::make_shared<TrainOptions>();
  options->network = network;
  const bool editor = network == rt::RotatorNetwork::kEditor;
  CLI::App* command = train.add_subcommand(rt::network_word(network), description);
  command
      ->add_option("--dataset", options->dataset,
                   "Dataset folder: examples.csv (rest,posed,head_x,head_y,neck_z,body_y,body_z,breathing) and the "
                   "RGBA pictures it names (docs/rotator-training.md)")
      ->required();
  command->add_option("--vgg16", options->vgg16, "torchvision's vgg16 state dict, zip format (default: $THA4_VGG16)");
  command
      ->add_option("--out", options->out,
                   "Output folder: " + rt::network_file_stem(network) +
                       ".pt, and the run's state under it (resumed when present)")
      ->required();
  if (editor) {
    const std::string rotator_file = rt::network_file_stem(rt::RotatorNetwork::kHalfResRotator) + ".pt";
    command
        ->add_option("--rotator", options->rotator,
                     "The trained half-resolution rotator (" + rotator_file + ") that makes phase 3's coarse inputs")
        ->check(CLI::ExistingFile);
  }
  command->add_option("--sizes", options->sizes, "Network sizes: official (default) or reduced (the tests' small ones)")
      ->check(CLI::IsMember({"official", "reduced"}));
  command
      ->add_option("--full-config", options->full_config,
                   "Network sizes from a teacher_pipeline.json-style file (overrides --sizes)")
      ->check(CLI::ExistingFile);
  command->add_option("--phases", options->phases,
                      editor ? "Phase lengths in examples, a,b,c (default 500000,9000000,9000000)"
                             : "Phase lengths in examples, a,b (default 500000,9000000)");
  command->add_option("--batch-size", options->batch_size, "Examples per step over all processes (default 16)")
      ->check(CLI::Range(int64_t{1}, int64_t{4096}));
  command->add_flag("--skip-bad-examples", options->skip_bad_examples,
                    "Leave out (and list) examples whose pictures or poses are unusable, instead of stopping");
  command->add_flag("--exact-perceptual", options->exact_perceptual,
                    "Evaluate both perceptual terms every time instead of the supplement's one-coin estimate");
  command
      ->add_option("--learning-rate", options->learning_rate, "Adam's learning rate after the warm-up (default 1e-4)")
      ->check(CLI::Range(0.0, 1.0));
  command
      ->add_option("--warm-up", options->warm_up,
                   "Examples over which the learning rate rises linearly from 0 (default 5000)")
      ->check(CLI::Range(int64_t{0}, int64_t{1} << 40));
  command->add_option("--checkpoint-every", options->checkpoint_every, "Examples between checkpoints (default 500000)")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 40));
  command->add_option("--snapshot-every", options->snapshot_every, "Examples between snapshots (default 10000)")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 40));
  command->add_option("--sample-every", options->sample_every, "Examples between sample sheets (default 50000)")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 40));
  command->add_option("--seed", options->seed, "Seed of the initial weights and the batches (default 0)");
  options->process.add_to(*command, "1");
  command->callback([options] { run_train(*options); });
}

}  // namespace

void add_train_command(CLI::App& app) {
  CLI::App* train = app.add_subcommand(
      "train", "Train the full system's body rotator on posed pictures (seed supplement §2; docs/rotator-training.md)");
  train->require_subcommand(1);
  add_network_command(*train, rt::RotatorNetwork::kHalfResRotator,
                      "Train the half-resolution rotator (body_morpher.pt): L1, then L1 + VGG16 perceptual loss");
  add_network_command(*train, rt::RotatorNetwork::kEditor,
                      "Train the editor (upscaler.pt): as a full-size rotator, then with the rotator's coarse inputs");

  auto folder = std::make_shared<std::string>();
  auto size = std::make_shared<int64_t>(512);
  auto examples = std::make_shared<int>(64);
  CLI::App* synthetic = train->add_subcommand(
      "synthetic-dataset", "Write a small dataset of flat shapes under known affine motions, to try the trainer");
  synthetic->add_option("folder", *folder, "Output folder")->required();
  synthetic->add_option("--size", *size, "Picture size (default 512, the editor's; the rotator trains at half)")
      ->check(CLI::Range(int64_t{8}, int64_t{4096}));
  synthetic->add_option("--examples", *examples, "Examples (default 64)")->check(CLI::Range(1, 1'000'000));
  synthetic->callback([folder, size, examples] {
    rt::write_synthetic_dataset(*folder, *size, *examples, 2, 0);
    std::cout << "wrote " << (fs::path(*folder) / rt::kExamplesFile).string() << "\n";
  });
}

}  // namespace tha4::cli
