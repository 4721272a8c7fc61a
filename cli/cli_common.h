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

// --character, --engine, --device, --threads: how a subcommand gets a running student engine. The defaults
// are the OBS source's: the best engine this build and machine have (engine::resolve_engine) on half the
// hardware threads.
struct EngineOptions {
  std::optional<std::string> character;
  std::string engine = "auto";
  std::string device;  // empty: the engine's own choice; "cpu", "cuda" or "cuda:N"
  int threads = 0;     // 0: half the hardware threads (engine::engine_threads)

  void add_to(CLI::App& command);
  // --device for LibTorch work that is not a student engine (the full system, distillation): "cpu" when empty.
  torch::Device torch_device() const;
};

struct LoadedEngine {
  std::shared_ptr<CharacterModel> model;
  std::unique_ptr<StudentEngine> engine;
  int threads = 1;  // CPU threads in use (--threads resolved)
};

// Applies --threads (0 = half the hardware threads) to LibTorch; returns the count in use.
int apply_thread_count(int threads);

// Resolves --engine and --device on this build and machine, loads the character where that engine wants it
// and creates the engine (engine::make_poser). An engine that is not available is an error here, not a
// fallback: a benchmark must time what it names.
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
