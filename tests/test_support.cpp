#include "tests/test_support.h"

#include <array>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <stdexcept>

#include <sys/wait.h>

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

namespace {
std::string shell_quote(const std::string& arg) {
  std::string quoted = "'";
  for (char c : arg) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}
}  // namespace

CliResult run_cli(const std::vector<std::string>& args) {
  std::string command = shell_quote(THA4_CLI_PATH);
  for (const auto& arg : args) command += " " + shell_quote(arg);
  command += " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("cannot run " + command);
  std::string output;
  std::array<char, 4096> buffer{};
  while (std::fgets(buffer.data(), buffer.size(), pipe)) output += buffer.data();
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

std::string error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace tha4::test
