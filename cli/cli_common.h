#pragma once
// Options and helpers shared by the subcommands.

#include "inference/pose/pose.h"
#include "inference/student/character_model.h"
#include "inference/student/student_engine.h"

#include <CLI/CLI.hpp>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tha4::cli {

// --character, --engine, --threads: how a subcommand gets a running student engine.
struct EngineOptions {
  std::optional<std::string> character;
  std::string engine = "fast";
  std::string device = "cpu";
  int threads = 0;  // 0: every hardware thread

  void add_to(CLI::App& command);
};

struct LoadedEngine {
  std::shared_ptr<CharacterModel> model;
  std::unique_ptr<StudentEngine> engine;
  int threads = 1;  // CPU threads in use (--threads resolved)
};

// Applies --threads (0 = hardware threads) to LibTorch; returns the count in use.
int apply_thread_count(int threads);

// Sets LibTorch's thread count, resolves and loads the character, and creates the engine.
LoadedEngine load_engine(const EngineOptions& options);

// Parses --device ("cpu", "cuda", "cuda:1"); throws Error when this LibTorch cannot use it.
torch::Device parse_device(const std::string& name);

// Parses a pose string and prints its clamping warnings to stderr.
Pose parse_pose_or_warn(const std::string& text);

// Reads a file of poses, one `name=value,...` per line; empty lines and lines starting with '#' are
// skipped. Throws Error naming the file and line.
std::vector<Pose> read_pose_file(const std::filesystem::path& file);

// The command line as main() received it (for commands that start copies of themselves).
void set_program_arguments(int argc, char** argv);
const std::vector<std::string>& program_arguments();

// The process's peak resident memory in MiB.
double peak_memory_mib();

}  // namespace tha4::cli
