#include "cli/cli_common.h"

#include "inference/engine/make_poser.h"
#include "inference/student/model_locator.h"
#include "inference/util/errors.h"

#include <sys/resource.h>

#include <fstream>
#include <iostream>
#include <thread>

namespace tha4::cli {

void EngineOptions::add_to(CLI::App& command) {
  command.add_option("--character", character,
                     "Character model folder (with character_model.yaml), or a character name looked up in "
                     "$THA4_MODELS and ../shared/models (default: lambda_00)");
  command
      .add_option("--engine", engine,
                  "Student engine: auto (default: the fused CUDA engine when built and a GPU is present, else "
                  "LibTorch on the GPU, else fast), fast (folded, fused CPU kernels), reference (LibTorch, "
                  "bit-exact with the reference implementation) or cuda")
      ->check(CLI::IsMember({"auto", "reference", "fast", "cuda"}));
  command.add_option("--device", device, "Device: cpu, cuda or cuda:N (default: the engine's)");
  command.add_option("--threads", threads, "CPU threads (0: half the hardware threads, as in OBS)")
      ->check(CLI::Range(0, 1024));
}

torch::Device EngineOptions::torch_device() const { return parse_device(device.empty() ? "cpu" : device); }

int apply_thread_count(int threads) {
  const int count = engine::engine_threads(threads);
  torch::set_num_threads(count);
  return count;
}

torch::Device parse_device(const std::string& name) {
  torch::Device device = torch::kCPU;
  try {
    device = torch::Device(name);
  } catch (const c10::Error&) {
    throw Error("unknown device '" + name + "' (use cpu, cuda or cuda:N)");
  }
  if (device.is_cuda() && !torch::cuda::is_available()) {
    throw Error("device '" + name +
                "' asked for, but this build's LibTorch has no CUDA or no GPU is visible "
                "(build with the cuda preset against a CUDA LibTorch)");
  }
  if (!device.is_cpu() && !device.is_cuda()) throw Error("unsupported device '" + name + "' (use cpu or cuda)");
  return device;
}

LoadedEngine load_engine(const EngineOptions& options) {
  LoadedEngine loaded;
  loaded.threads = apply_thread_count(options.threads);
  engine::Kind kind = engine::parse_kind(options.engine);
  engine::Options engine_options;
  engine_options.threads = options.threads;
  std::optional<torch::Device> device;
  if (!options.device.empty()) {
    device = parse_device(options.device);
    if (device->is_cuda()) engine_options.cuda_device = device->has_index() ? device->index() : 0;
    if (device->is_cpu() && kind == engine::Kind::kAuto) kind = engine::Kind::kFast;
    if (device->is_cpu() && kind == engine::Kind::kCuda) throw Error("--engine cuda runs on a GPU, not --device cpu");
    if (device->is_cuda() && kind == engine::Kind::kFast)
      throw Error("--engine fast runs on the CPU, not --device cuda");
  }
  engine::EngineDecision decision = engine::resolve_engine(kind, engine_options);
  if (!decision.warning.empty()) throw Error("--engine " + options.engine + ": " + decision.warning);
  // The reference engine runs where --device says (LibTorch on a GPU included).
  if (decision.kind == engine::Kind::kReference && device) decision.device = *device;
  loaded.model =
      std::make_shared<CharacterModel>(load_character_model(resolve_character(options.character), decision.device));
  loaded.engine = engine::make_poser(decision.kind, loaded.model, engine_options);
  return loaded;
}

Pose parse_pose_or_warn(const std::string& text) {
  ParsedPose parsed = parse_pose(text);
  for (const auto& warning : parsed.warnings) std::cerr << "tha4: warning: " << warning << "\n";
  return parsed.pose;
}

std::vector<Pose> read_pose_file(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw Error("cannot open pose file " + file.string());
  std::vector<Pose> poses;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    const auto first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos || line[first] == '#') continue;
    try {
      poses.push_back(parse_pose_or_warn(line));
    } catch (const PoseError& e) {
      throw PoseError(file.string() + ":" + std::to_string(number) + ": " + e.what());
    }
  }
  if (poses.empty()) throw Error("pose file " + file.string() + " holds no pose");
  return poses;
}

namespace {
std::vector<std::string>& stored_arguments() {
  static std::vector<std::string> arguments;
  return arguments;
}
}  // namespace

void set_program_arguments(int argc, char** argv) { stored_arguments().assign(argv, argv + argc); }
const std::vector<std::string>& program_arguments() { return stored_arguments(); }

double peak_memory_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

}  // namespace tha4::cli
