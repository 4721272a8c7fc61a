#pragma once
// Training allocates and frees the same large activations (hundreds of MB at 512²) every step. By default
// glibc hands such blocks back to the kernel at once (mmap/munmap) and takes a page fault per 4 KiB to get
// them again: on a 2-core machine that made a distillation step ten times slower than its arithmetic.

namespace tha4::cli {

// Keeps freed memory in the process for reuse (no mmap for large blocks, no trimming of the heap). For
// processes that repeat the same allocations (training, its benchmark); not for the OBS plugin.
void keep_freed_memory_for_reuse();

}  // namespace tha4::cli
