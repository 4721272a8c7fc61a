#include "cli/allocator_tuning.h"

#include <malloc.h>

namespace tha4::cli {

void keep_freed_memory_for_reuse() {
  mallopt(M_MMAP_MAX, 0);              // large blocks from the heap, which keeps them once freed
  mallopt(M_TRIM_THRESHOLD, 1 << 30);  // and do not shrink the heap after each step
}

}  // namespace tha4::cli
