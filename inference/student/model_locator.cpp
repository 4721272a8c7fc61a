#include "inference/student/model_locator.h"

#include "inference/util/errors.h"

#include <cstdlib>

#ifndef THA4_SOURCE_DIR_FOR_MODELS
#define THA4_SOURCE_DIR_FOR_MODELS ""
#endif

namespace tha4 {
namespace {

bool is_character_folder(const std::filesystem::path& folder) {
  std::error_code ec;
  return std::filesystem::is_regular_file(folder / "character_model.yaml", ec);
}

}  // namespace

std::vector<std::filesystem::path> character_search_roots() {
  std::vector<std::filesystem::path> candidates;
  if (const char* env = std::getenv("THA4_MODELS"); env && *env) candidates.emplace_back(env);
  candidates.emplace_back(std::filesystem::path("..") / "shared" / "models");
  if (*THA4_SOURCE_DIR_FOR_MODELS) {
    candidates.emplace_back(std::filesystem::path(THA4_SOURCE_DIR_FOR_MODELS) / ".." / "shared" / "models");
  }
  std::vector<std::filesystem::path> roots;
  std::error_code ec;
  for (const auto& candidate : candidates) {
    if (std::filesystem::is_directory(candidate, ec)) roots.push_back(std::filesystem::weakly_canonical(candidate, ec));
  }
  return roots;
}

std::string model_download_help() {
  return "Character models are not shipped with THA4 Avatar (they are licensed CC BY-NC 4.0). Download the\n"
         "official student models from the reference repository:\n"
         "  git clone https://github.com/pkhungurn/talking-head-anime-4-demo\n"
         "and copy its data/character_models/<name>/ folders (character_model.yaml, character.png,\n"
         "face_morpher.pt, body_morpher.pt) into a folder of your choice, e.g. ~/tha4-models/lambda_00.\n"
         "Then pass --character ~/tha4-models/lambda_00, or set THA4_MODELS=~/tha4-models and use\n"
         "--character lambda_00.";
}

std::filesystem::path resolve_character(const std::optional<std::string>& folder_or_name) {
  const std::string wanted = folder_or_name.value_or(kDefaultCharacter);
  std::error_code ec;
  const std::filesystem::path as_path(wanted);
  if (is_character_folder(as_path) ||
      (std::filesystem::is_regular_file(as_path, ec) && as_path.extension() == ".yaml")) {
    return as_path;
  }
  if (std::filesystem::is_directory(as_path, ec)) {
    throw CharacterModelError(wanted + " is a folder but holds no character_model.yaml\n" + model_download_help());
  }
  const auto roots = character_search_roots();
  for (const auto& root : roots) {
    if (is_character_folder(root / wanted)) return root / wanted;
  }
  std::string searched;
  for (const auto& root : roots) searched += "\n  " + root.string();
  throw CharacterModelError("character model '" + wanted + "' not found" +
                            (searched.empty()
                                 ? std::string(" (THA4_MODELS is not set and ../shared/models does not exist)")
                                 : " in:" + searched) +
                            "\n" + model_download_help());
}

}  // namespace tha4
