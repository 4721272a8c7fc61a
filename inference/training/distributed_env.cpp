#include "inference/training/distributed_env.h"

#include "inference/util/errors.h"

#include <cstdlib>
#include <limits>

namespace tha4::training {
namespace {

std::optional<std::string> variable(const char* name) {
  const char* value = std::getenv(name);
  if (!value || !*value) return std::nullopt;
  return std::string(value);
}

int integer_variable(const char* name, const std::string& text, int min, int max) {
  std::size_t used = 0;
  long value = 0;
  try {
    value = std::stol(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || value < min || value > max) {
    throw Error(std::string("environment variable ") + name + "=" + text + " is not an integer in " +
                std::to_string(min) + ".." + std::to_string(max));
  }
  return static_cast<int>(value);
}

}  // namespace

std::optional<DistributedEnv> distributed_env_from_environment() {
  const auto world = variable("WORLD_SIZE");
  if (!world) return std::nullopt;
  DistributedEnv env;
  constexpr int kMaxInt = std::numeric_limits<int>::max();
  env.world_size = integer_variable("WORLD_SIZE", *world, 1, 4096);
  const auto rank = variable("RANK");
  if (!rank && env.world_size > 1) throw Error("WORLD_SIZE is set but RANK is not: set both (or neither)");
  env.rank = rank ? integer_variable("RANK", *rank, 0, env.world_size - 1) : 0;
  const auto local_rank = variable("LOCAL_RANK");
  env.local_rank = local_rank ? integer_variable("LOCAL_RANK", *local_rank, 0, kMaxInt) : env.rank;
  const auto local_world = variable("LOCAL_WORLD_SIZE");
  env.local_world_size =
      local_world ? integer_variable("LOCAL_WORLD_SIZE", *local_world, 1, env.world_size) : env.world_size;
  if (const auto addr = variable("MASTER_ADDR")) env.master_addr = *addr;
  if (const auto port = variable("MASTER_PORT")) env.master_port = integer_variable("MASTER_PORT", *port, 1, 65535);
  return env;
}

}  // namespace tha4::training
