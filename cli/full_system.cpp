#include "cli/full_system.h"

#include "inference/full/full_system_config_json.h"
#include "inference/image/image_io.h"
#include "inference/student/model_locator.h"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace tha4::cli {

void FullSystemOptions::add_to(CLI::App& command) {
  command.add_option("--tha4-dir", tha4_dir,
                     "--model full: folder with the official teacher weights (" + full::weight_file_list() + ")");
  command
      .add_option("--full-config", config_json,
                  "--model full: network sizes as a teacher_pipeline.json-style file (default: the official ones)")
      ->check(CLI::ExistingFile);
  command
      .add_option("--image", image,
                  "--model full: the 512x512 RGBA character picture (default: the --character model's picture)")
      ->check(CLI::ExistingFile);
  command
      .add_option("--precision", precision,
                  "--model full: fp32 (default), fp16 (CUDA only) or bf16; reduced precision keeps the norms, "
                  "the attention softmax and the warps in fp32")
      ->check(CLI::IsMember({"fp32", "fp16", "bf16"}));
}

full::FullPrecision full_system_precision(const FullSystemOptions& options, const torch::Device& device) {
  const full::FullPrecision precision = full::parse_full_precision(options.precision);
  full::require_precision_supported(precision, device);
  return precision;
}

full::FullSystemConfig full_system_config(const FullSystemOptions& options) {
  if (options.config_json.empty()) return full::FullSystemConfig::official();
  return full::full_system_config_from_pipeline_json(full::read_json_file(options.config_json));
}

torch::Tensor load_full_system_image(const FullSystemOptions& options, const EngineOptions& engine,
                                     const torch::Device& device) {
  const std::filesystem::path file =
      options.image.empty() ? read_character_model_files(resolve_character(engine.character)).character_image
                            : std::filesystem::path(options.image);
  const Rgba8Image image = read_rgba8_image(file);
  validate_character_image(image, file.string());
  return rgba8_to_tensor(image).unsqueeze(0).to(device);
}

BenchTeacher load_bench_teacher(const FullSystemOptions& options, bool official_sizes, const torch::Device& device) {
  const bool official = official_sizes || !options.tha4_dir.empty();
  BenchTeacher teacher;
  teacher.sizes = !options.config_json.empty() ? "--full-config" : official ? "official" : "reduced";
  const full::FullSystemConfig config = !options.config_json.empty() ? full_system_config(options)
                                        : official                   ? full::FullSystemConfig::official()
                                                                     : full::FullSystemConfig::reduced();
  teacher.random_weights = options.tha4_dir.empty();
  if (!teacher.random_weights) {
    teacher.networks = full::load_full_system(options.tha4_dir, config, device);
  } else {
    torch::manual_seed(0);
    teacher.networks = full::FullSystemNetworks::create(config);
    teacher.networks.to(device);
  }
  for (const auto& [name, module] : teacher.networks.named_modules()) {
    for (const auto& p : module->parameters()) teacher.parameters += p.numel();
  }
  return teacher;
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

}  // namespace tha4::cli
