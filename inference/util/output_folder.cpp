#include "inference/util/output_folder.h"

#include "inference/util/errors.h"

#include <stdlib.h>
#include <unistd.h>

#include <string>

namespace tha4 {

void check_output_folder_writable(const std::filesystem::path& folder) {
  std::error_code ec;
  std::filesystem::path existing = std::filesystem::absolute(folder, ec);
  while (!existing.empty() && !std::filesystem::exists(existing, ec)) {
    if (existing == existing.parent_path()) break;
    existing = existing.parent_path();
  }
  if (std::filesystem::exists(existing, ec) && !std::filesystem::is_directory(existing, ec)) {
    throw Error("the output folder " + folder.string() + " cannot be created: " + existing.string() +
                " is a file, not a folder");
  }
  // A real probe rather than access(2): root passes access() on read-only mounts and in /proc.
  std::string probe = (existing / ".tha4-write-check-XXXXXX").string();
  if (::mkdtemp(probe.data()) == nullptr) {
    const bool is_the_folder = existing == std::filesystem::absolute(folder, ec);
    throw Error("the output folder " + folder.string() + " cannot be written" +
                (is_the_folder ? std::string() : " (" + existing.string() + " is not writable)") +
                ": choose a folder you own");
  }
  ::rmdir(probe.c_str());
}

}  // namespace tha4
