#include "tests/test_support.h"

#include <cstdlib>
#include <random>

namespace tha4::test {
namespace {
std::filesystem::path env_or(const char* name, const std::filesystem::path& fallback) {
  const char* value = std::getenv(name);
  return (value && *value) ? std::filesystem::path(value) : fallback;
}
std::filesystem::path shared_dir() { return std::filesystem::path(THA4_SOURCE_DIR) / ".." / "shared"; }
}  // namespace

std::filesystem::path golden_dir() { return env_or("THA4_GOLDEN_DIR", shared_dir() / "golden"); }
std::filesystem::path models_dir() { return env_or("THA4_MODELS", shared_dir() / "models"); }
std::filesystem::path shared_images_dir() { return shared_dir() / "images"; }

ScratchDir::ScratchDir(const std::string& tag) {
  std::random_device rd;
  path_ = std::filesystem::temp_directory_path() / ("tha4-test-" + tag + "-" + std::to_string(rd()));
  std::filesystem::create_directories(path_);
}
ScratchDir::~ScratchDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace tha4::test
