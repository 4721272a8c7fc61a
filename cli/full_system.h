#pragma once
// `--model full`: the options and loading that `render` and `bench full` share for the full THA4 system.

#include "cli/cli_common.h"
#include "inference/full/full_poser.h"

#include <CLI/CLI.hpp>
#include <torch/torch.h>

#include <memory>
#include <string>

namespace tha4::cli {

struct FullSystemOptions {
  std::string tha4_dir;            // folder with the five official weight files
  std::string config_json;         // a teacher_pipeline.json-style file; empty: the official configuration
  std::string image;               // the character image; empty: the --character model's image
  std::string precision = "fp32";  // fp32, fp16 (CUDA only) or bf16 (full/precision.h)

  // Adds --tha4-dir, --full-config, --image and --precision to `command`.
  void add_to(CLI::App& command);
};

// --precision, checked against `device` before anything slow is loaded (fp16 needs CUDA).
full::FullPrecision full_system_precision(const FullSystemOptions& options, const torch::Device& device);

// The configuration --full-config names, or the official one.
full::FullSystemConfig full_system_config(const FullSystemOptions& options);

// The character picture as a (1, 4, 512, 512) reference tensor on `device`: --image, else the image of
// --character's model folder. The same checks as the student path (512×512 RGBA with transparency).
torch::Tensor load_full_system_image(const FullSystemOptions& options, const EngineOptions& engine,
                                     const torch::Device& device);

// The teacher a benchmark times: the weights of --tha4-dir, else random weights (timing does not depend on
// the values). Sizes: --full-config, else the official ones for `official` or real weights, else the reduced
// test sizes.
struct BenchTeacher {
  full::FullSystemNetworks networks;
  std::string sizes;  // "official", "reduced" or "--full-config"
  int64_t parameters = 0;
  bool random_weights = true;
};
BenchTeacher load_bench_teacher(const FullSystemOptions& options, bool official, const torch::Device& device);

// The median of timings (the benchmarks' statistic).
double median(std::vector<double> values);

}  // namespace tha4::cli
