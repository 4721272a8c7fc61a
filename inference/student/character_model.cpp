#include "inference/student/character_model.h"

#include "inference/util/errors.h"
#include "inference/weights/state_dict.h"

#include <yaml-cpp/yaml.h>

namespace tha4 {
namespace {

constexpr const char* kYamlName = "character_model.yaml";

std::filesystem::path required_file(const YAML::Node& root, const char* key, const std::filesystem::path& yaml) {
  const YAML::Node node = root[key];
  if (!node || !node.IsScalar() || node.Scalar().empty()) {
    throw CharacterModelError(yaml.string() + ": missing the string key '" + key + "'");
  }
  const std::filesystem::path file = yaml.parent_path() / node.Scalar();
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) {
    throw CharacterModelError(yaml.string() + ": '" + key + "' names " + file.string() + ", which does not exist");
  }
  return file;
}

}  // namespace

CharacterModelFiles read_character_model_files(const std::filesystem::path& folder_or_yaml) {
  std::error_code ec;
  const std::filesystem::path yaml =
      std::filesystem::is_directory(folder_or_yaml, ec) ? folder_or_yaml / kYamlName : folder_or_yaml;
  if (!std::filesystem::is_regular_file(yaml, ec)) {
    throw CharacterModelError("no " + std::string(kYamlName) + " at " + yaml.string() +
                              " (a character model folder holds character_model.yaml, character.png, "
                              "face_morpher.pt and body_morpher.pt)");
  }
  YAML::Node root;
  try {
    root = YAML::LoadFile(yaml.string());
  } catch (const YAML::Exception& e) {
    throw CharacterModelError(yaml.string() + ": not valid YAML: " + e.what());
  }
  if (!root.IsMap()) throw CharacterModelError(yaml.string() + ": expected a mapping of three file names");
  CharacterModelFiles files;
  files.yaml = yaml;
  files.character_image = required_file(root, "character_image_file_name", yaml);
  files.face_morpher = required_file(root, "face_morpher_file_name", yaml);
  files.body_morpher = required_file(root, "body_morpher_file_name", yaml);
  return files;
}

CharacterModel load_character_model(const std::filesystem::path& folder_or_yaml, const torch::Device& device) {
  CharacterModel model;
  model.files = read_character_model_files(folder_or_yaml);
  model.device = device;
  model.character_image = read_rgba8_image(model.files.character_image);
  validate_character_image(model.character_image, model.files.character_image.string());
  model.image = rgba8_to_tensor(model.character_image).unsqueeze(0).to(device);

  model.face_morpher = SirenFaceMorpher();
  model.face_morpher->to(device);
  load_module_weights(*model.face_morpher, model.files.face_morpher);
  model.face_morpher->eval();

  model.body_morpher = SirenBodyMorpher();
  model.body_morpher->to(device);
  load_module_weights(*model.body_morpher, model.files.body_morpher);
  model.body_morpher->eval();
  return model;
}

}  // namespace tha4
