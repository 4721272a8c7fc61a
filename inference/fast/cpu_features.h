#pragma once
// Run-time choice of the fast engine's kernels from the CPU's features.

#include "inference/fast/kernels.h"

#include <string>
#include <string_view>
#include <vector>

namespace tha4::fast {

// Every kernel set this CPU can run, widest first (the generic set is always there).
std::vector<const Kernels*> supported_kernels();

// The widest supported set, unless THA4_CPU_KERNELS=generic|avx2|avx512 asks for a narrower one.
const Kernels& best_kernels();

// The CPU's brand string as CPUID reports it ("unknown CPU" where there is none).
std::string cpu_model_name();

// The names of every supported set, widest first: "avx512, avx2, generic".
std::string supported_kernel_names();

// A supported set by name; throws tha4::Error if the name is unknown or the CPU cannot run it.
const Kernels& kernels_by_name(std::string_view name);

}  // namespace tha4::fast
