// libFuzzer target: character_model.yaml, the file a user's model folder starts with (yaml-cpp under the
// project's size limit and error mapping). Every failure must be a CharacterModelError.

#include "inference/student/character_model_files.h"
#include "inference/util/errors.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const auto names = tha4::parse_character_model_yaml(std::string_view(reinterpret_cast<const char*>(data), size),
                                                        "character_model.yaml");
    if (names.character_image.empty() || names.face_morpher.empty() || names.body_morpher.empty()) std::abort();
  } catch (const tha4::CharacterModelError&) {
  }
  return 0;
}
