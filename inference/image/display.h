#pragma once
// Network output tensors -> 8-bit RGBA images (spec §1.2). Outputs are premultiplied linear RGBA in
// [-1, 1]; the reference's display paths do not un-premultiply, so there are several conversions.

#include "inference/image/image_io.h"

#include <torch/torch.h>

namespace tha4 {

enum class DisplayPath {
  kReferenceRound,     // manual poser and the golden PNGs: (x+1)/2, sRGB on premultiplied RGB, rint
  kReferenceTruncate,  // puppeteers: the same but truncated to bytes (Tensor.byte())
  kStraightAlpha,      // correct for compositing: un-premultiply, then sRGB, rint
  kPremultiplied,      // for compositors that blend premultiplied colour in linear light (the OBS source):
                       // the round path with each colour clamped to its alpha, so a pixel the network
                       // leaves transparent adds no light to what is behind it
};

// Converts a (4, H, W) image tensor (any device) to 8-bit straight-alpha RGBA.
Rgba8Image image_tensor_to_rgba8(const torch::Tensor& image, DisplayPath path);

// Converts any poser output for viewing: 4 channels as an image (above), 1 channel (alpha) as opaque
// grey linear_to_srgb(a), 2 channels (grid change) as an opaque colour wheel whose hue is the
// direction and whose brightness is 3·|Δ| (spec §1.2).
Rgba8Image output_tensor_to_rgba8(const torch::Tensor& output, DisplayPath path);

}  // namespace tha4
