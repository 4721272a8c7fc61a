#pragma once
// The training loop every THA4 trainer shares (spec §6.4): Adam steps on batches from the distributed batch
// sampler, gradients averaged over the process group as DDP does, checkpoints and snapshots written
// atomically, automatic resume from the newest readable state with everything that decides the next steps
// (examples seen, weights, optimizer moments, every process's RNG), a CSV of the loss terms, sample
// pictures and a progress bar.
//
// A run killed at any moment and started again continues exactly as an uninterrupted run would (bit for bit
// on the CPU): nothing a step does depends on anything but the state it resumes from.

#include "inference/training/communicator.h"
#include "inference/training/training_task.h"

#include <torch/torch.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace tha4::training {

struct TrainingSchedule {
  int64_t total_examples = 0;
  int64_t checkpoint_interval = 100'000;  // checkpoint/%04d every this many examples (0000 at the start)
  int64_t snapshot_interval = 10'000;     // snapshot/ every this many examples
  std::optional<int64_t> sample_output_interval = 10'000;  // and at the end; nothing: no sample pictures
};

struct TrainingOptions {
  std::filesystem::path run_folder;  // <prefix>/<task name>
  TrainingSchedule schedule;
  int64_t batch_size = 8;                // over all processes; each takes batch_size / world_size (integer division)
  uint64_t seed = 0;                     // seeds the initial weights, then LibTorch's generator with seed + rank
  Communicator* communicator = nullptr;  // nothing: a single process
  std::ostream* progress = nullptr;      // where rank 0 draws the progress bar; nothing: no bar
  bool interactive_progress = false;     // redraw in place (a terminal)
};

struct TrainingOutcome {
  int64_t examples_seen = 0;
  std::optional<int64_t> resumed_from;  // the examples count of the state it resumed from
  std::filesystem::path resumed_folder;
  int64_t steps = 0;  // steps this call took
  double seconds = 0;
  std::vector<std::string> notes;  // states skipped as unreadable, and why
};

// Trains `task` to schedule.total_examples, resuming from the newest state in run_folder. Collective: every
// process of the group calls it with the same options. Only rank 0 reads and writes files. Throws Error for
// options that cannot work (a batch smaller than the process count, zero intervals).
TrainingOutcome train(TrainingTask& task, const TrainingOptions& options);

// The CPU generator's state, and setting it (what rng_state_%08d.pt holds).
torch::Tensor cpu_rng_state();
void set_cpu_rng_state(const torch::Tensor& state);

}  // namespace tha4::training
