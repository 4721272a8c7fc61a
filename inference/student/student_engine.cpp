#include "inference/student/student_engine.h"

#include "inference/student/character_model.h"

namespace tha4 {

std::string_view student_output_name(StudentOutput output) {
  switch (output) {
    case StudentOutput::kBlended: return "blended";
    case StudentOutput::kAlpha: return "alpha";
    case StudentOutput::kColorChange: return "color_change";
    case StudentOutput::kWarped: return "warped";
    case StudentOutput::kGridChange: return "grid_change";
    case StudentOutput::kFace: return "face";
  }
  return "unknown";
}

std::string StudentEngine::description() const {
  const std::filesystem::path folder = model().files.yaml.parent_path();
  return folder.filename().string() + " · student · " + engine_description();
}

}  // namespace tha4
