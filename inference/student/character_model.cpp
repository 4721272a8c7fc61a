#include "inference/student/character_model.h"

#include "inference/weights/state_dict.h"

namespace tha4 {

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
