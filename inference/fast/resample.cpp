#include "inference/fast/resample.h"

#include <algorithm>
#include <cmath>

namespace tha4::fast {

std::vector<Tap> bilinear_taps(int in_size, int out_size) {
  std::vector<Tap> taps(static_cast<std::size_t>(out_size));
  const float scale = static_cast<float>(in_size) / static_cast<float>(out_size);
  for (int x = 0; x < out_size; ++x) {
    const float source = std::max(scale * (static_cast<float>(x) + 0.5f) - 0.5f, 0.0f);
    const int i0 = std::min(static_cast<int>(source), in_size - 1);
    const float w1 = source - static_cast<float>(i0);
    taps[x] = {i0, std::min(i0 + 1, in_size - 1), 1.0f - w1, w1};
  }
  return taps;
}

void upsample_row(const float* src, std::size_t src_plane, int channels, int in_size, const Tap& row, const Tap* cols,
                  int out_size, float* scratch, float* dst, std::size_t dst_ld) {
  for (int c = 0; c < channels; ++c) {
    const float* plane = src + static_cast<std::size_t>(c) * src_plane;
    const float* top = plane + static_cast<std::size_t>(row.i0) * in_size;
    const float* bottom = plane + static_cast<std::size_t>(row.i1) * in_size;
    float* line = scratch + static_cast<std::size_t>(c) * in_size;
    for (int x = 0; x < in_size; ++x) line[x] = row.w0 * top[x] + row.w1 * bottom[x];
    float* out = dst + static_cast<std::size_t>(c) * dst_ld;
    for (int x = 0; x < out_size; ++x) out[x] = cols[x].w0 * line[cols[x].i0] + cols[x].w1 * line[cols[x].i1];
  }
}

void warp_row(const float* image, int size, const float* grid_x, float grid_y, const float* dx, const float* dy,
              float* out, std::size_t out_plane) {
  const float limit = static_cast<float>(size - 1);
  const std::size_t plane = static_cast<std::size_t>(size) * size;
  for (int x = 0; x < size; ++x) {
    // Unnormalise (align_corners=False), then clip to the border like grid_sample's padding_mode='border'.
    const float ix = std::clamp(((grid_x[x] + dx[x] + 1.0f) * size - 1.0f) * 0.5f, 0.0f, limit);
    const float iy = std::clamp(((grid_y + dy[x] + 1.0f) * size - 1.0f) * 0.5f, 0.0f, limit);
    const int x0 = static_cast<int>(ix);
    const int y0 = static_cast<int>(iy);
    const int x1 = std::min(x0 + 1, size - 1);  // its weight is 0 when x0 is the last column
    const int y1 = std::min(y0 + 1, size - 1);
    const float fx = ix - static_cast<float>(x0);
    const float fy = iy - static_cast<float>(y0);
    const float w00 = (1 - fx) * (1 - fy), w01 = fx * (1 - fy), w10 = (1 - fx) * fy, w11 = fx * fy;
    const std::size_t i00 = static_cast<std::size_t>(y0) * size + x0, i01 = static_cast<std::size_t>(y0) * size + x1;
    const std::size_t i10 = static_cast<std::size_t>(y1) * size + x0, i11 = static_cast<std::size_t>(y1) * size + x1;
    for (int c = 0; c < 4; ++c) {
      const float* p = image + c * plane;
      out[c * out_plane + x] = w00 * p[i00] + w01 * p[i01] + w10 * p[i10] + w11 * p[i11];
    }
  }
}

}  // namespace tha4::fast
