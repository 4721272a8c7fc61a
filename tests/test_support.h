#pragma once
// Where the tests find their data: ../shared beside the project (as CI has it), or the environment.

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace tha4::test {

// THA4_GOLDEN_DIR, else <source>/../shared/golden.
std::filesystem::path golden_dir();
// THA4_MODELS, else <source>/../shared/models.
std::filesystem::path models_dir();
// <source>/../shared/images.
std::filesystem::path shared_images_dir();
// Runs the `tha4` binary of this build with `args` (each quoted for the shell) and collects its output.
struct CliResult {
  int exit_code;
  std::string output;  // stdout and stderr
};
CliResult run_cli(const std::vector<std::string>& args);

// A fresh, empty scratch folder under the system temp dir, removed when the returned object dies.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& tag);
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// The message of the exception `action` throws, or "(no error)" when it returns.
std::string error_of(const std::function<void()>& action);

}  // namespace tha4::test
