#pragma once
// `--gpus N` on one machine, as torchrun --standalone does it: this process starts N copies of itself with
// RANK, LOCAL_RANK, WORLD_SIZE, MASTER_ADDR=127.0.0.1 and a free MASTER_PORT set, waits for them, and stops
// the others as soon as one fails (or when it is interrupted itself).

#include <string>
#include <vector>

namespace tha4::cli {

// Runs `arguments` (argv without the program) in `processes` copies of this executable as described above.
// Returns 0 when all succeed, else the first failure's exit status (128 + signal for a killed one).
int run_local_processes(const std::vector<std::string>& arguments, int processes);

// True in a process that such a launcher (or torchrun, or the user) started as one rank of several.
bool launched_as_rank();

}  // namespace tha4::cli
