#pragma once
// The pictures a distillation learns from, checked the way the reference's config check does (spec §6.2),
// before anything is written:
//  * the character: a .png, exactly 512×512, RGBA with a transparent background;
//  * the face mask: a .png, exactly 512×512, opaque, every channel 0 or 255 (white over the movable parts of
//    the face: eyebrows, eyes, mouth, chin). Its red channel inside the student's face crop is the mask M of
//    the face loss (spec §6.5).

#include "inference/image/image_io.h"
#include "inference/util/output_folder.h"

#include <torch/torch.h>

#include <filesystem>

namespace tha4::distill {

// Reads and checks the character picture. Throws ImageError saying what is wrong.
Rgba8Image read_distill_character(const std::filesystem::path& file);

// Reads and checks the face mask (grey, RGB, or RGBA with alpha 255 everywhere). Throws ImageError naming how
// many pixels are neither 0 nor 255 and where the first ones are, or that the mask misses the face crop.
Rgba8Image read_face_mask(const std::filesystem::path& file);

// The mask of the face loss: the red channel of rows 80:208, cols 192:320 as 0/1, repeated over the 4
// channels: (4, 128, 128) float32.
torch::Tensor face_mask_tensor(const Rgba8Image& mask);

// The prefix check (util/output_folder.h), under the name the distiller's callers use.
using tha4::check_output_folder_writable;

}  // namespace tha4::distill
