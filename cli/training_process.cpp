#include "cli/training_process.h"

#include "cli/cli_common.h"
#include "inference/training/distributed_env.h"

#include <algorithm>
#include <optional>
#include <thread>

namespace tha4::cli {

void TrainingProcessOptions::add_to(CLI::App& command, const std::string& gpus_default) {
  command.add_option("--device", device, "cpu (default) or cuda; with several processes, rank r uses cuda:r");
  command
      .add_option("--gpus", gpus,
                  "Processes on this machine (default: " + gpus_default +
                      "); across machines set RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT instead")
      ->check(CLI::Range(1, 1024));
  command.add_option("--backend", backend, "Process group: gloo (CPU default) or nccl (CUDA default)")
      ->check(CLI::IsMember({"gloo", "nccl"}));
  command.add_option("--threads", threads, "CPU threads per process (0: the cores shared by the processes)")
      ->check(CLI::Range(0, 1024));
}

TrainingProcess join_training_processes(const TrainingProcessOptions& options) {
  const std::string& device = options.device;
  const std::string& backend = options.backend;
  const int threads = options.threads;
  const std::optional<training::DistributedEnv> env = training::distributed_env_from_environment();
  TrainingProcess process;
  process.rank = env ? env->rank : 0;
  process.device = parse_device(device);
  if (process.device.is_cuda() && env) {
    process.device = torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(env->local_rank));
  }
  const int local_world = env ? env->local_world_size : 1;
  apply_thread_count(threads > 0 ? threads
                                 : std::max(1, static_cast<int>(std::thread::hardware_concurrency()) / local_world));
  if (env && env->distributed()) {
    const std::string name = !backend.empty() ? backend : (process.device.is_cuda() ? "nccl" : "gloo");
    process.communicator = training::connect_process_group(*env, training::parse_communicator_backend(name));
  }
  return process;
}

}  // namespace tha4::cli
