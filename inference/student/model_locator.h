#pragma once
// Where character models are found: an explicit folder (or a character name), the THA4_MODELS
// environment variable (a folder of character folders), or ../shared/models next to the project.
// Models are never shipped with the project (CC BY-NC); the error explains how to download them.

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace tha4 {

constexpr const char* kDefaultCharacter = "lambda_00";

// The folders searched for character names, in order: $THA4_MODELS, ./../shared/models,
// <source dir>/../shared/models (only those that exist).
std::vector<std::filesystem::path> character_search_roots();

// Resolves `--character`: an existing folder (or character_model.yaml) is used as is; otherwise the
// value is a character name looked up in the search roots; empty means the default character.
// Throws CharacterModelError with download instructions when nothing is found.
std::filesystem::path resolve_character(const std::optional<std::string>& folder_or_name);

// How users get the official student models (shown in errors and `tha4 info`).
std::string model_download_help();

}  // namespace tha4
