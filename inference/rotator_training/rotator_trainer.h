#pragma once
// `tha4 train rotator|editor`: trains (or resumes training) the half-resolution rotator or the editor of the
// full system on a dataset of posed pictures (seed supplement §2), on the shared training loop, and writes
// the result in the official layout, `<out>/body_morpher.pt` or `<out>/upscaler.pt`, which the full system
// (`tha4 render --model full`) loads unchanged. The run's state is kept in `<out>/<body_morpher|upscaler>/`.
//
// Every input is checked before anything is written: the dataset and its pictures, the VGG16 weights, the
// coarse rotator's weights (editor phase 3), the batch size against the process count, the output folder.

#include "inference/full/full_system_config.h"
#include "inference/rotator_training/body_rotator_task.h"
#include "inference/training/communicator.h"
#include "inference/training/training_loop.h"

#include <torch/torch.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <ostream>
#include <vector>

namespace tha4::rotator_training {

struct RotatorTrainingOptions {
  RotatorNetwork network = RotatorNetwork::kHalfResRotator;
  std::filesystem::path dataset;
  std::filesystem::path vgg16;
  std::filesystem::path out;
  full::FullSystemConfig sizes = full::FullSystemConfig::official();  // body_morpher and upscaler are used
  std::vector<int64_t> phase_lengths;                                 // empty: the supplement's
  int64_t batch_size = kDefaultBatchSize;                             // over all processes
  bool skip_bad_examples = false;
  PerceptualEstimate estimate = PerceptualEstimate::kStochastic;
  double peak_learning_rate = kPeakLearningRate;
  int64_t warm_up_examples = kWarmUpExamples;
  std::optional<std::filesystem::path> coarse_rotator;  // the editor's phase 3
  // Default intervals: a checkpoint every 500 K examples (the supplement's epoch), a snapshot every 10 K,
  // sample sheets every 50 K, each shortened to fit a shorter run.
  std::optional<int64_t> checkpoint_every, snapshot_every, sample_every;
  uint64_t seed = 0;
  torch::Device device = torch::kCPU;
  training::Communicator* communicator = nullptr;  // nothing: one process
  std::ostream* progress = nullptr;                // rank 0's progress bar
  bool interactive_progress = false;
  std::ostream* log = nullptr;  // rank 0's messages
};

struct RotatorTrainingResult {
  training::TrainingOutcome outcome;
  std::filesystem::path weights;  // the official-layout file (rank 0 writes it)
  std::vector<DatasetIssue> skipped;
};

RotatorTrainingResult run_rotator_training(const RotatorTrainingOptions& options);

// The schedule run_rotator_training uses for a run of `total_examples`.
training::TrainingSchedule rotator_schedule(int64_t total_examples, const RotatorTrainingOptions& options);

}  // namespace tha4::rotator_training
