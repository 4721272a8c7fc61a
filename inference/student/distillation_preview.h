#pragma once
// A character folder that `tha4 distill run` is still filling (a distillation prefix, distill/distill_layout.h),
// seen as a character model: the newest face snapshot, and the newest body snapshot once the body is being
// distilled. Before that the body stays still: the preview's body morpher is a network whose last layer is
// zero (no warp, no colour change), so the picture shows the student's face on the unmoved character. A
// finished prefix is just its character_model/ folder.

#include "inference/student/character_model.h"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace tha4 {

struct DistillationPreview {
  std::filesystem::path prefix;
  std::filesystem::path picture;
  std::filesystem::path face_weights;
  int64_t face_examples = 0;
  std::optional<std::filesystem::path> body_weights;  // nothing before the body's first step
  int64_t body_examples = 0;

  // "distillation in progress: face 120,000 examples, body not started"
  std::string description() const;
  // Whether two looks at the folder found the same snapshots.
  bool same_progress(const DistillationPreview& other) const {
    return face_examples == other.face_examples && body_examples == other.body_examples &&
           body_weights.has_value() == other.body_weights.has_value();
  }
};

// The finished student of a distillation prefix (<prefix>/character_model), if there is one.
std::optional<std::filesystem::path> finished_distillation_model(const std::filesystem::path& prefix);

// The newest snapshots of a prefix being distilled; nothing when `prefix` is not one (or has no face state yet).
std::optional<DistillationPreview> find_distillation_preview(const std::filesystem::path& prefix);

// Loads the preview as a character model (see above). Throws like load_character_model.
CharacterModel load_distillation_preview(const DistillationPreview& preview, const torch::Device& device = torch::kCPU);

}  // namespace tha4
