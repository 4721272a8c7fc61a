#pragma once
// What a distillation prefix holds (header-only, shared by the distiller and by readers such as the OBS
// source's preview):
//   <prefix>/face_morpher/   the face run (training/state_layout.h), plus character.png, the picture
//   <prefix>/body_morpher/   the body run
//   <prefix>/character_model/  the finished student, in the official layout, once both runs are complete

#include <cstdint>

namespace tha4::distill {

// The reference's example counts of the two runs (spec §6).
inline constexpr int64_t kFaceDefaultExamples = 1'000'000;
inline constexpr int64_t kBodyDefaultExamples = 1'500'000;

inline constexpr const char* kFaceRunFolder = "face_morpher";
inline constexpr const char* kBodyRunFolder = "body_morpher";
inline constexpr const char* kCharacterModelFolder = "character_model";
// The picture being distilled, kept in the face run's folder for previews.
inline constexpr const char* kPreviewPictureFile = "character.png";

}  // namespace tha4::distill
