#pragma once
// Which dataset examples each process trains on at each step: what the reference's
// DistributedSampler(shuffle=True, drop_last=True, seed=0) with set_epoch(e) and a DataLoader(batch_size=B,
// drop_last=True) give (spec §6.3). Each epoch is torch.randperm(N) from a generator seeded seed + e; rank r
// takes the permutation's items r, r + world, r + 2·world, ...; a step takes B of them per rank.
//
// The position is computed from the examples seen so far, never from an iterator's history, so a resumed
// run continues mid-epoch exactly where it stopped (the reference restarts the epoch), and the union of the
// ranks' batches at a step is the batch a single process with batch B·world takes at that step.

#include <torch/torch.h>

#include <cstdint>
#include <vector>

namespace tha4::training {

class DistributedBatchSampler {
 public:
  // Throws Error when the dataset cannot fill one batch on every rank.
  DistributedBatchSampler(int64_t dataset_size, int64_t batch_per_rank, int rank, int world_size, uint64_t seed = 0);

  // The dataset indices of this rank's batch for the step that starts after `examples_seen` examples (all
  // ranks together, a multiple of batch_per_rank · world_size).
  std::vector<int64_t> batch(int64_t examples_seen);

  int64_t steps_per_epoch() const { return steps_per_epoch_; }
  int64_t examples_per_step() const { return batch_per_rank_ * world_size_; }

 private:
  const torch::Tensor& permutation(int64_t epoch);

  int64_t dataset_size_;
  int64_t batch_per_rank_;
  int rank_;
  int world_size_;
  uint64_t seed_;
  int64_t steps_per_epoch_;
  int64_t cached_epoch_ = -1;
  torch::Tensor cached_permutation_;
};

}  // namespace tha4::training
