#pragma once
// `tha4 distill mask`, and the face mask `tha4 distill init` proposes when it is given none
// (inference/distill/face_mask_proposal.h says how).

#include "inference/distill/face_mask_proposal.h"

#include <CLI/CLI.hpp>

#include <filesystem>
#include <string>

namespace tha4::cli {

// Where the posed faces come from: an existing student of the character (--character), or the teacher (the
// full system's weights: --tha4-dir, else $THA4_TEACHER_DIR).
struct MaskFaceSource {
  std::string character;
  std::string tha4_dir;
  std::string full_config;
};

// Proposes the mask of `picture_file`, writes it and its preview, prints what it did; returns the proposal.
// With a hand-made mask to compare with, also prints the intersection over union and outlines it in the preview.
distill::FaceMaskProposal write_proposed_face_mask(const MaskFaceSource& source,
                                                   const std::filesystem::path& picture_file,
                                                   const std::filesystem::path& mask_file,
                                                   const std::filesystem::path& preview_file,
                                                   const distill::FaceMaskOptions& options = {},
                                                   const std::filesystem::path& compare_with = {});

// The preview's file beside a mask: MASK_preview.png.
std::filesystem::path mask_preview_file(const std::filesystem::path& mask_file);

// Registers `mask` under `tha4 distill`.
void add_distill_mask_command(CLI::App& distill);

}  // namespace tha4::cli
