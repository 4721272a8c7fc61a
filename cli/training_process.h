#pragma once
// What every training command (`tha4 distill run`, `tha4 train`) does first in each of its processes: find
// its rank from the environment the launcher set (process_launcher.h), pick its device (rank r of a CUDA run
// uses cuda:r), share the machine's CPU threads with the other local processes, and join the process group.

#include "inference/training/communicator.h"

#include <CLI/CLI.hpp>
#include <torch/torch.h>

#include <memory>
#include <string>

namespace tha4::cli {

struct TrainingProcess {
  int rank = 0;
  torch::Device device = torch::kCPU;
  std::unique_ptr<training::Communicator> communicator;  // null in a single-process run
};

// --device, --gpus, --backend and --threads, as every training command has them.
struct TrainingProcessOptions {
  std::string device = "cpu";
  int gpus = 0;         // processes on this machine; 0: the command's default
  std::string backend;  // empty: gloo on the CPU, nccl on CUDA
  int threads = 0;      // 0: the machine's cores shared by the local processes

  // Adds the four options; `gpus_default` says in --gpus's help what 0 means for this command.
  void add_to(CLI::App& command, const std::string& gpus_default);
};

TrainingProcess join_training_processes(const TrainingProcessOptions& options);

}  // namespace tha4::cli
