#pragma once
// A student character model folder (spec §3.1): character_model.yaml naming the character image and
// the two student weight files, paths relative to the YAML.

#include "inference/image/image_io.h"
#include "inference/student/student_networks.h"

#include <torch/torch.h>

#include <filesystem>

namespace tha4 {

struct CharacterModelFiles {
  std::filesystem::path yaml;
  std::filesystem::path character_image;
  std::filesystem::path face_morpher;
  std::filesystem::path body_morpher;
};

// Reads `character_model.yaml` (give the folder or the YAML itself) and checks that the three files it
// names exist. Throws CharacterModelError saying what is missing.
CharacterModelFiles read_character_model_files(const std::filesystem::path& folder_or_yaml);

struct CharacterModel {
  CharacterModelFiles files;
  Rgba8Image character_image;   // as read, 512×512 RGBA
  torch::Tensor image;          // (1, 4, 512, 512) reference tensor on `device`
  SirenFaceMorpher face_morpher{nullptr};
  SirenBodyMorpher body_morpher{nullptr};
  torch::Device device = torch::kCPU;
};

// Loads and validates everything: the YAML, the character image (RGBA 512×512 with transparency), and
// both weight files (strict keys and shapes). Networks are in eval mode on `device`. Throws
// CharacterModelError, ImageError or WeightFileError.
CharacterModel load_character_model(const std::filesystem::path& folder_or_yaml,
                                    const torch::Device& device = torch::kCPU);

}  // namespace tha4
