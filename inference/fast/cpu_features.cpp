#include "inference/fast/cpu_features.h"

#include "inference/util/errors.h"

#include <cstdlib>
#include <string>

namespace tha4::fast {

std::vector<const Kernels*> supported_kernels() {
  std::vector<const Kernels*> sets;
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) sets.push_back(&avx512_kernels());
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) sets.push_back(&avx2_kernels());
#endif
  sets.push_back(&generic_kernels());
  return sets;
}

const Kernels& kernels_by_name(std::string_view name) {
  for (const Kernels* set : supported_kernels()) {
    if (name == set->name) return *set;
  }
  throw Error("CPU kernels '" + std::string(name) + "' are unknown or not supported by this CPU");
}

const Kernels& best_kernels() {
  if (const char* forced = std::getenv("THA4_CPU_KERNELS"); forced && *forced) return kernels_by_name(forced);
  return *supported_kernels().front();
}

}  // namespace tha4::fast
