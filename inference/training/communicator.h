#pragma once
// The collective operations data-parallel training needs, over LibTorch's c10d process groups (Gloo on the
// CPU, NCCL on CUDA where the build has it): what PyTorch's DistributedDataParallel does for the reference
// trainer, without a home-made transport. A single process gets the same interface with nothing to do.

#include "inference/training/distributed_env.h"

#include <torch/torch.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace tha4::training {

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int world_size() const = 0;
  // "single process", "gloo, 2 processes", ...
  virtual std::string description() const = 0;

  // Sums each tensor over all processes, in place.
  virtual void allreduce_sum(std::vector<torch::Tensor>& tensors) = 0;
  // Replaces each tensor with rank 0's.
  virtual void broadcast_from_rank0(std::vector<torch::Tensor>& tensors) = 0;
  // Every process's `tensor` (same shape everywhere), stacked in rank order: (world, ...).
  virtual torch::Tensor allgather(const torch::Tensor& tensor) = 0;
  virtual void barrier() = 0;
};

// One process: the collectives are identities.
std::unique_ptr<Communicator> make_single_process_communicator();

enum class CommunicatorBackend { kGloo, kNccl };
// "gloo" / "nccl"; throws Error otherwise.
CommunicatorBackend parse_communicator_backend(const std::string& name);
// Whether this build can create `backend` (NCCL needs a CUDA build with LibTorch's NCCL process group).
bool communicator_backend_available(CommunicatorBackend backend);

// Joins the process group of `env` (rank 0 serves the TCP store at MASTER_ADDR:MASTER_PORT; the others
// connect to it), waiting up to `timeout` for every process. Throws Error with what went wrong (the port is
// taken, a process never came, the backend is not in this build).
std::unique_ptr<Communicator> connect_process_group(const DistributedEnv& env, CommunicatorBackend backend,
                                                    std::chrono::milliseconds timeout = std::chrono::minutes(5));

// Averages the gradients of `parameters` over all processes in one flat all-reduce (what DDP's buckets do),
// in place; parameters without a gradient count as zero.
void average_gradients(Communicator& communicator, const std::vector<torch::Tensor>& parameters);

}  // namespace tha4::training
