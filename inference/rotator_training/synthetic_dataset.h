#pragma once
// A small body-rotator dataset made from nothing, whose right answers are known: flat-coloured "characters"
// (a body, a head, an eye) on a transparent background, each posed by an affine motion of the whole picture
// that the pose decides:
//   rotation  θ = 0.3·body_z + 0.2·neck_z rad about the bottom centre,
//   shift     (head_x, head_y)·S/8 pixels,
//   scale     1 + 0.06·breathing,
// with body_y and nothing else left at 0. Used by the tests and `tha4 bench train`, and to try the trainer
// before rendering a real dataset.

#include "inference/rotator_training/rotator_dataset.h"

#include <cstdint>
#include <filesystem>

namespace tha4::rotator_training {

// Writes `examples` examples over `characters` rest pictures of `image_size`² into `folder` (examples.csv,
// rest/*.png, posed/*.png), poses drawn from a generator seeded with `seed`.
void write_synthetic_dataset(const std::filesystem::path& folder, int64_t image_size, int examples, int characters,
                             uint64_t seed);

}  // namespace tha4::rotator_training
