// tha4 info: what a character model folder holds, and whether it is usable.
#include "cli/cli_common.h"
#include "cli/commands.h"
#include "inference/fast/cpu_features.h"
#include "inference/student/model_locator.h"
#include "inference/weights/tensor_archive.h"

#include <cstdio>
#include <iostream>
#include <memory>

namespace tha4::cli {
namespace {

void print_weights(const char* label, const std::filesystem::path& file) {
  const auto tensors = read_tensor_archive(file);
  int64_t scalars = 0;
  for (const auto& t : tensors) scalars += t.tensor.numel();
  std::printf("  %-13s %s\n                %zu tensors, %lld parameters, %.1f KiB\n", label, file.string().c_str(),
              tensors.size(), static_cast<long long>(scalars), std::filesystem::file_size(file) / 1024.0);
}

void run_info(const std::optional<std::string>& character) {
  const std::filesystem::path folder = resolve_character(character);
  const CharacterModelFiles files = read_character_model_files(folder);
  std::printf("character model %s\n", files.yaml.string().c_str());
  const Rgba8Image image = read_rgba8_image(files.character_image);
  std::size_t transparent = 0;
  for (std::size_t i = 3; i < image.pixels.size(); i += 4) transparent += image.pixels[i] == 0;
  std::printf("  %-13s %s\n                %dx%d RGBA, %.1f%% fully transparent\n", "image",
              files.character_image.string().c_str(), image.width, image.height,
              100.0 * static_cast<double>(transparent) / (image.pixels.size() / 4.0));
  print_weights("face morpher", files.face_morpher);
  print_weights("body morpher", files.body_morpher);
  // The full load runs every check (image rules, strict keys and shapes) exactly as rendering would.
  load_character_model(folder);
  std::printf("  status        OK: loads and matches the student networks\n");
  std::printf(
      "cpu             %s\n  fast engine   %s kernels (this CPU supports: %s; THA4_CPU_KERNELS picks another)\n",
      fast::cpu_model_name().c_str(), fast::best_kernels().name, fast::supported_kernel_names().c_str());
}

}  // namespace

void add_info_command(CLI::App& app) {
  auto character = std::make_shared<std::optional<std::string>>();
  CLI::App* command = app.add_subcommand("info", "Show a character model's files, parameter counts and checks");
  command->add_option("--character", *character, "Character model folder or name (default: lambda_00)");
  command->callback([character] { run_info(*character); });
}

}  // namespace tha4::cli
