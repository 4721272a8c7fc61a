#pragma once
// Who this process is in a multi-process run: the variables torchrun sets (RANK, WORLD_SIZE, LOCAL_RANK,
// LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT), so a run spans machines the usual way, and `--gpus N` sets them for N
// local processes (cli/process_launcher.h).

#include <cstdint>
#include <optional>
#include <string>

namespace tha4::training {

struct DistributedEnv {
  int rank = 0;
  int world_size = 1;
  int local_rank = 0;
  int local_world_size = 1;  // processes on this machine (they share its cores)
  std::string master_addr = "127.0.0.1";
  int master_port = 29500;

  bool distributed() const { return world_size > 1; }
};

// The environment's values; nothing when WORLD_SIZE is unset (a single process). Throws Error for a
// malformed or inconsistent value (RANK ≥ WORLD_SIZE, a port outside 1..65535, ...), naming the variable.
std::optional<DistributedEnv> distributed_env_from_environment();

}  // namespace tha4::training
