#include "inference/fast/cpu_features.h"

#include "inference/util/errors.h"

#include <cstdlib>
#include <cstring>
#include <string>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

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

std::string cpu_model_name() {
#if defined(__x86_64__) || defined(__i386__)
  unsigned int top = 0, unused = 0;
  if (__get_cpuid(0x80000000u, &top, &unused, &unused, &unused) && top >= 0x80000004u) {
    char brand[49] = {};
    for (unsigned int leaf = 0; leaf < 3; ++leaf) {
      unsigned int regs[4];
      __get_cpuid(0x80000002u + leaf, &regs[0], &regs[1], &regs[2], &regs[3]);
      std::memcpy(brand + 16 * leaf, regs, sizeof regs);
    }
    std::string name(brand);
    name.erase(0, name.find_first_not_of(' '));
    name.erase(name.find_last_not_of(' ') + 1);
    if (!name.empty()) return name;
  }
#endif
  return "unknown CPU";
}

std::string supported_kernel_names() {
  std::string names;
  for (const Kernels* set : supported_kernels()) names += (names.empty() ? "" : ", ") + std::string(set->name);
  return names;
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
