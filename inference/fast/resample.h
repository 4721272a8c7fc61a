#pragma once
// Bilinear resampling as the reference does it (align_corners=False): the SIREN level upsampling and the
// final warp (grid_sample, border padding), for one output row of planar float images.

#include "inference/fast/kernels.h"

#include <cstddef>
#include <vector>

namespace tha4::fast {

// PyTorch's bilinear source index for resizing `in_size` samples to `out_size` (align_corners=False).
std::vector<Tap> bilinear_taps(int in_size, int out_size);

// Upsamples one row: dst[c][x] for c < channels, x < out_size, from the `in_size`×`in_size` planes of src
// (plane stride `src_plane`). `row` gives the vertical taps of this row, `cols` the horizontal ones;
// `scratch` holds channels × in_size floats. The portable version; Kernels::upsample_row is the fast one.
void upsample_row(const float* src, std::size_t src_plane, int channels, int in_size, const Tap& row, const Tap* cols,
                  int out_size, float* scratch, float* dst, std::size_t dst_ld);

// Samples `image` (4 planar channels, size×size) at the reference's identity grid plus an offset, with
// bilinear filtering and border padding, exactly like grid_sample(align_corners=False, padding 'border').
// `grid_x` holds the identity grid's coordinates; writes RGBA into out[c * out_plane + x].
void warp_row(const float* image, int size, const float* grid_x, float grid_y, const float* dx, const float* dy,
              float* out, std::size_t out_plane);

}  // namespace tha4::fast
