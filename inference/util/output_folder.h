#pragma once
// Checking, before a long job starts, that its results will have somewhere to go.

#include <filesystem>

namespace tha4 {

// Throws Error unless `folder` exists as a folder we can write in, or can be created (its nearest existing
// parent is writable). Tries by creating and removing an empty folder there: leaves nothing behind.
void check_output_folder_writable(const std::filesystem::path& folder);

}  // namespace tha4
