#pragma once
// The files of a student character model folder (spec §3.1): character_model.yaml names the character
// image and the two student weight files, with paths relative to the YAML. No LibTorch here: the YAML
// parser is also compiled into a libFuzzer target (fuzz/).

#include <filesystem>
#include <string>
#include <string_view>

namespace tha4 {

struct CharacterModelFiles {
  std::filesystem::path yaml;
  std::filesystem::path character_image;
  std::filesystem::path face_morpher;
  std::filesystem::path body_morpher;
};

// The three names as the YAML writes them (not yet checked on disk).
struct CharacterModelFileNames {
  std::string character_image;
  std::string face_morpher;
  std::string body_morpher;
};

// Parses the text of a character_model.yaml; `source` names it in messages. Throws CharacterModelError for
// text over 64 KiB, invalid YAML (nesting deeper than yaml-cpp's guard included), or a missing or empty key.
CharacterModelFileNames parse_character_model_yaml(std::string_view text, const std::string& source);

// Reads `character_model.yaml` (give the folder or the YAML itself) and checks that the three files it
// names exist. Throws CharacterModelError saying what is missing.
CharacterModelFiles read_character_model_files(const std::filesystem::path& folder_or_yaml);

}  // namespace tha4
