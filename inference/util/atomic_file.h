#pragma once
// Writes that a crash or a kill cannot leave half done: the bytes go to a temporary file beside the target,
// are flushed to the disk, and replace the target with one rename. A reader sees the old file or the new one,
// never a mixture. Used for weight files, training checkpoints and configs.

#include <filesystem>
#include <string_view>

namespace tha4 {

// Writes `bytes` to `file` atomically (see above). Throws Error naming the file when it cannot be written.
void write_file_atomically(const std::filesystem::path& file, std::string_view bytes);

// Flushes a directory's entries (renames, new files) to the disk. Errors are ignored: some file systems
// cannot sync a directory, and the data itself is already safe.
void sync_directory(const std::filesystem::path& folder);

}  // namespace tha4
