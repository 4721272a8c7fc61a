#include "inference/student/character_model_files.h"

#include "inference/util/errors.h"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <sstream>

namespace tha4 {
namespace {

constexpr const char* kYamlName = "character_model.yaml";
// The real file is three short lines; anything this large is not a character model.
constexpr std::size_t kMaxYamlBytes = 64 * 1024;

std::string required_name(const YAML::Node& root, const char* key, const std::string& source) {
  const YAML::Node node = root[key];
  if (!node || !node.IsScalar() || node.Scalar().empty()) {
    throw CharacterModelError(source + ": missing the string key '" + key + "'");
  }
  return node.Scalar();
}

std::filesystem::path existing_file(const std::filesystem::path& yaml, const char* key, const std::string& name) {
  const std::filesystem::path file = yaml.parent_path() / name;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) {
    throw CharacterModelError(yaml.string() + ": '" + key + "' names " + file.string() + ", which does not exist");
  }
  return file;
}

}  // namespace

CharacterModelFileNames parse_character_model_yaml(std::string_view text, const std::string& source) {
  if (text.size() > kMaxYamlBytes) {
    throw CharacterModelError(source + ": " + std::to_string(text.size()) +
                              " bytes is far too long for a character model (three file names)");
  }
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    throw CharacterModelError(source + ": not valid YAML: " + e.what());
  }
  if (!root.IsMap()) throw CharacterModelError(source + ": expected a mapping of three file names");
  try {
    return {required_name(root, "character_image_file_name", source),
            required_name(root, "face_morpher_file_name", source),
            required_name(root, "body_morpher_file_name", source)};
  } catch (const YAML::Exception& e) {  // e.g. a key that is itself a complex node
    throw CharacterModelError(source + ": not a character model: " + e.what());
  }
}

CharacterModelFiles read_character_model_files(const std::filesystem::path& folder_or_yaml) {
  std::error_code ec;
  const std::filesystem::path yaml =
      std::filesystem::is_directory(folder_or_yaml, ec) ? folder_or_yaml / kYamlName : folder_or_yaml;
  if (!std::filesystem::is_regular_file(yaml, ec)) {
    throw CharacterModelError("no " + std::string(kYamlName) + " at " + yaml.string() +
                              " (a character model folder holds character_model.yaml, character.png, "
                              "face_morpher.pt and body_morpher.pt)");
  }
  const std::uintmax_t size = std::filesystem::file_size(yaml, ec);
  if (ec || size > kMaxYamlBytes) {
    throw CharacterModelError(yaml.string() + ": " +
                              (ec ? "cannot read the file" : "far too long for a character model"));
  }
  std::ifstream in(yaml, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) throw CharacterModelError(yaml.string() + ": cannot read the file");
  const CharacterModelFileNames names = parse_character_model_yaml(text.str(), yaml.string());
  CharacterModelFiles files;
  files.yaml = yaml;
  files.character_image = existing_file(yaml, "character_image_file_name", names.character_image);
  files.face_morpher = existing_file(yaml, "face_morpher_file_name", names.face_morpher);
  files.body_morpher = existing_file(yaml, "body_morpher_file_name", names.body_morpher);
  return files;
}

}  // namespace tha4
