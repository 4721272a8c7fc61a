#pragma once
// Building blocks of the sample sheets trainers write as they go (the distiller's, the body rotator's):
// pictures a person looks at to see how training is doing.

#include "inference/image/image_io.h"

#include <torch/torch.h>

namespace tha4 {

// Copies `cell` into `canvas` with its top-left corner at (left, top); the cell must fit.
void paste_cell(Rgba8Image& canvas, const Rgba8Image& cell, int left, int top);

// A (4, H, W) network image shown as straight-alpha colour over pure green, opaque: what the network leaves
// transparent shows as green, so holes and halos are easy to see.
Rgba8Image over_green_screen(const torch::Tensor& image);

}  // namespace tha4
