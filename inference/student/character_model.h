#pragma once
// A student character model loaded: its picture and both student networks (files: character_model_files.h).

#include "inference/image/image_io.h"
#include "inference/student/character_model_files.h"
#include "inference/student/student_networks.h"

#include <torch/torch.h>

#include <filesystem>

namespace tha4 {

struct CharacterModel {
  CharacterModelFiles files;
  Rgba8Image character_image;  // as read, 512×512 RGBA
  torch::Tensor image;         // (1, 4, 512, 512) reference tensor on `device`
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
