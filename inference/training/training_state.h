#pragma once
// A training run's state folders (state_layout.h): writing one so that a kill at any moment leaves either the
// old folder or the new one, and finding the newest readable one to resume from.

#include "inference/weights/tensor_archive.h"

#include <torch/torch.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace tha4::training {

struct TrainingState {
  int64_t examples_seen = 0;
  std::vector<NamedTensor> module;        // the trained module's state dict (module_module.pt)
  std::vector<NamedTensor> optimizer;     // adam_state.h (optimizer_module.pt)
  std::vector<torch::Tensor> rng_states;  // the CPU generator state of each rank, in rank order
};

// Writes `state` as the folder `target`: every file goes into a temporary sibling folder, flushed to the disk,
// which is then renamed to `target` (an existing `target` is renamed aside first and removed after). Throws
// Error when the disk refuses.
void write_training_state(const std::filesystem::path& target, const TrainingState& state);

// Reads a state folder. Throws Error naming the file that is missing or unreadable.
TrainingState read_training_state(const std::filesystem::path& folder);

// The examples count a state folder records, or nothing when it has none that parses (quick: reads one file).
std::optional<int64_t> read_examples_seen(const std::filesystem::path& folder);

struct FoundState {
  std::filesystem::path folder;
  TrainingState state;
};

// The newest readable state of the run at `run` (its snapshot or a checkpoint) that has seen at most
// `max_examples`; nothing for a fresh run. A state that cannot be read is skipped, with a line in `notes`
// saying which and why. First finishes or discards writes that a kill interrupted.
std::optional<FoundState> find_newest_training_state(const std::filesystem::path& run, int64_t max_examples,
                                                     std::vector<std::string>& notes);

// The numbers of the run's checkpoints, ascending.
std::vector<int64_t> list_checkpoints(const std::filesystem::path& run);

}  // namespace tha4::training
