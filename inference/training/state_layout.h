#pragma once
// Where a training run keeps its state (spec §6.4), shared by the training loop and by readers that only
// look (the OBS source's preview of a distillation in progress). Header-only: no c10d, no LibTorch.
//
//   <run>/checkpoint/0000/ ... <run>/checkpoint/NNNN/   every checkpoint interval (0000 before any training)
//   <run>/snapshot/                                      the newest state, every snapshot interval
//   each holding module_module.pt, optimizer_module.pt, examples_seen_so_far.txt, rng_state_%08d.pt per rank
//   <run>/losses.csv, <run>/sample_outputs/sample_output_%010d.png
//
// A state folder is written under a temporary name and renamed into place, so a folder with one of these
// names is always complete (training_state.h).

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>

namespace tha4::training {

inline constexpr const char* kCheckpointFolder = "checkpoint";
inline constexpr const char* kSnapshotFolder = "snapshot";
inline constexpr const char* kModuleFile = "module_module.pt";
inline constexpr const char* kOptimizerFile = "optimizer_module.pt";
inline constexpr const char* kExamplesSeenFile = "examples_seen_so_far.txt";
inline constexpr const char* kLossLogFile = "losses.csv";
inline constexpr const char* kSampleOutputFolder = "sample_outputs";

inline std::filesystem::path snapshot_folder(const std::filesystem::path& run) { return run / kSnapshotFolder; }

inline std::filesystem::path checkpoint_folder(const std::filesystem::path& run, int64_t index) {
  char name[32];
  std::snprintf(name, sizeof name, "%04lld", static_cast<long long>(index));
  return run / kCheckpointFolder / name;
}

inline std::string rng_state_file_name(int rank) {
  char name[40];
  std::snprintf(name, sizeof name, "rng_state_%08d.pt", rank);
  return name;
}

inline std::filesystem::path sample_output_file(const std::filesystem::path& run, int64_t examples_seen) {
  char name[48];
  std::snprintf(name, sizeof name, "sample_output_%010lld.png", static_cast<long long>(examples_seen));
  return run / kSampleOutputFolder / name;
}

}  // namespace tha4::training
