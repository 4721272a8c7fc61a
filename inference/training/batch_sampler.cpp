#include "inference/training/batch_sampler.h"

#include "inference/util/errors.h"

#include <ATen/CPUGeneratorImpl.h>

namespace tha4::training {

DistributedBatchSampler::DistributedBatchSampler(int64_t dataset_size, int64_t batch_per_rank, int rank, int world_size,
                                                 uint64_t seed)
    : dataset_size_(dataset_size), batch_per_rank_(batch_per_rank), rank_(rank), world_size_(world_size), seed_(seed) {
  if (batch_per_rank < 1 || world_size < 1 || rank < 0 || rank >= world_size) {
    throw Error("batch sampler: batch " + std::to_string(batch_per_rank) + " per process, rank " +
                std::to_string(rank) + " of " + std::to_string(world_size) + " is not a valid split");
  }
  // DistributedSampler(drop_last=True): floor(N / world) samples per rank; DataLoader(drop_last=True): whole
  // batches only.
  steps_per_epoch_ = (dataset_size / world_size) / batch_per_rank;
  if (steps_per_epoch_ < 1) {
    throw Error("the dataset has " + std::to_string(dataset_size) + " examples, fewer than one batch of " +
                std::to_string(batch_per_rank * world_size) + " (" + std::to_string(batch_per_rank) + " on each of " +
                std::to_string(world_size) + " processes)");
  }
}

const torch::Tensor& DistributedBatchSampler::permutation(int64_t epoch) {
  if (epoch != cached_epoch_) {
    at::Generator generator = at::detail::createCPUGenerator(seed_ + static_cast<uint64_t>(epoch));
    cached_permutation_ = torch::randperm(dataset_size_, generator, torch::TensorOptions().dtype(torch::kLong));
    cached_epoch_ = epoch;
  }
  return cached_permutation_;
}

std::vector<int64_t> DistributedBatchSampler::batch(int64_t examples_seen) {
  const int64_t step = examples_seen / examples_per_step();
  const int64_t epoch = step / steps_per_epoch_;
  const int64_t step_in_epoch = step % steps_per_epoch_;
  const auto* order = permutation(epoch).data_ptr<int64_t>();
  std::vector<int64_t> indices;
  indices.reserve(static_cast<std::size_t>(batch_per_rank_));
  for (int64_t k = 0; k < batch_per_rank_; ++k) {
    indices.push_back(order[(step_in_epoch * batch_per_rank_ + k) * world_size_ + rank_]);
  }
  return indices;
}

}  // namespace tha4::training
