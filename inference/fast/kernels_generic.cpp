// Portable kernels: plain loops the compiler may vectorise for the baseline instruction set. They are the
// fallback on CPUs without AVX2 and the yardstick the vector kernels are tested against.
#include "inference/fast/kernels.h"
#include "inference/fast/resample.h"

namespace tha4::fast {
namespace {

inline float fast_sin(float v) {
  // k = nearest integer to v/π; sin(v) = (-1)^k sin(v - kπ). Rounding via the 1.5·2^23 trick.
  const float shifted = v * kInvPi + 12582912.0f;
  const float k = shifted - 12582912.0f;
  const int odd = static_cast<int>(k) & 1;
  float r = v - k * kPiA;
  r = r - k * kPiB;
  r = r - k * kPiC;
  const float r2 = r * r;
  const float p = kSin3 + r2 * (kSin5 + r2 * (kSin7 + r2 * (kSin9 + r2 * (kSin11 + r2 * kSin13))));
  const float s = r + r * r2 * p;
  return odd ? -s : s;
}

void linear(const float* packed_w, const float* bias, int in, int out_padded, const float* x, std::size_t ldx, float* y,
            std::size_t ldy, int pixels, bool sine) {
  for (int ob = 0; ob < out_padded / kOutBlock; ++ob) {
    const float* w = packed_w + static_cast<std::size_t>(ob) * in * kOutBlock;
    for (int o = 0; o < kOutBlock; ++o) {
      float* out = y + static_cast<std::size_t>(ob * kOutBlock + o) * ldy;
      const float b = bias[ob * kOutBlock + o];
      for (int p = 0; p < pixels; ++p) out[p] = b;
      for (int c = 0; c < in; ++c) {
        const float wc = w[c * kOutBlock + o];
        const float* xc = x + static_cast<std::size_t>(c) * ldx;
        for (int p = 0; p < pixels; ++p) out[p] += wc * xc[p];
      }
      if (sine) {
        for (int p = 0; p < pixels; ++p) out[p] = fast_sin(out[p]);
      }
    }
  }
}

void first_layer(const float* row_bias, const float* wx, const float* grid_x, const float* feature,
                 std::size_t ld_feature, int out_padded, float* y, std::size_t ldy, int pixels) {
  for (int o = 0; o < out_padded; ++o) {
    float* out = y + static_cast<std::size_t>(o) * ldy;
    const float* f = feature ? feature + static_cast<std::size_t>(o) * ld_feature : nullptr;
    for (int p = 0; p < pixels; ++p) {
      const float pre = row_bias[o] + wx[o] * grid_x[p] + (f ? f[p] : 0.0f);
      out[p] = fast_sin(pre);
    }
  }
}

void sine(float* data, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) data[i] = fast_sin(data[i]);
}

float multiply_add_chains(long iterations) {
  // Four-wide rows, the width the baseline (SSE2) vectoriser gives these loops.
  float acc[kPeakChains][4];
  for (auto& chain : acc) {
    for (float& v : chain) v = 0.5f;
  }
  volatile float scale_source = 0.9999f, offset_source = 1e-6f;
  const float scale = scale_source, offset = offset_source;
  for (long i = 0; i < iterations; ++i) {
    for (auto& chain : acc) {
      for (float& v : chain) v = v * scale + offset;
    }
  }
  float sum = 0.0f;
  for (const auto& chain : acc) {
    for (float v : chain) sum += v;
  }
  return sum;
}

const Kernels kKernels{"generic", linear, first_layer, sine, upsample_row, multiply_add_chains, 4};

}  // namespace

const Kernels& generic_kernels() { return kKernels; }

}  // namespace tha4::fast
