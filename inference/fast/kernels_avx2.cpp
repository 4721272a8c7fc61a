// AVX2 + FMA kernels (compiled with -mavx2 -mfma). With 16 ymm registers the micro-kernel holds a
// 4-output × 16-pixel block (8 accumulators); tails use masked loads and stores.
#include "inference/fast/kernels.h"

#include <immintrin.h>

namespace tha4::fast {
namespace {

inline __m256 sin8(__m256 v) {
  const __m256 k = _mm256_round_ps(_mm256_mul_ps(v, _mm256_set1_ps(kInvPi)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(k, _mm256_set1_ps(kPiA), v);
  r = _mm256_fnmadd_ps(k, _mm256_set1_ps(kPiB), r);
  r = _mm256_fnmadd_ps(k, _mm256_set1_ps(kPiC), r);
  const __m256i sign = _mm256_slli_epi32(_mm256_cvtps_epi32(k), 31);
  const __m256 r2 = _mm256_mul_ps(r, r);
  __m256 p = _mm256_fmadd_ps(r2, _mm256_set1_ps(kSin13), _mm256_set1_ps(kSin11));
  p = _mm256_fmadd_ps(r2, p, _mm256_set1_ps(kSin9));
  p = _mm256_fmadd_ps(r2, p, _mm256_set1_ps(kSin7));
  p = _mm256_fmadd_ps(r2, p, _mm256_set1_ps(kSin5));
  p = _mm256_fmadd_ps(r2, p, _mm256_set1_ps(kSin3));
  const __m256 s = _mm256_fmadd_ps(_mm256_mul_ps(r, r2), p, r);
  return _mm256_castsi256_ps(_mm256_xor_si256(_mm256_castps_si256(s), sign));
}

// Lanes [0, remaining) set, for masked loads and stores of a row's tail.
inline __m256i tail_mask(int remaining) {
  const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(remaining), lanes);
}

// Four outputs (o0..o0+3 of the packed block) over 16 pixels from p; `mask0`/`mask1` cover the tail.
inline void block_4x16(const float* w, const float* bias, int in, int o0, const float* x, std::size_t ldx, float* y,
                       std::size_t ldy, int p, __m256i mask0, __m256i mask1, bool full, bool sine) {
  __m256 acc[4][2];
#pragma GCC unroll 4
  for (int o = 0; o < 4; ++o) acc[o][0] = acc[o][1] = _mm256_set1_ps(bias[o0 + o]);
  const float* xp = x + p;
  const float* wp = w + o0;
  for (int c = 0; c < in; ++c) {
    const __m256 x0 = full ? _mm256_loadu_ps(xp) : _mm256_maskload_ps(xp, mask0);
    const __m256 x1 = full ? _mm256_loadu_ps(xp + 8) : _mm256_maskload_ps(xp + 8, mask1);
    xp += ldx;
#pragma GCC unroll 4
    for (int o = 0; o < 4; ++o) {
      const __m256 wo = _mm256_broadcast_ss(wp + o);
      acc[o][0] = _mm256_fmadd_ps(wo, x0, acc[o][0]);
      acc[o][1] = _mm256_fmadd_ps(wo, x1, acc[o][1]);
    }
    wp += kOutBlock;
  }
#pragma GCC unroll 4
  for (int o = 0; o < 4; ++o) {
    float* out = y + (o0 + o) * ldy + p;
    const __m256 r0 = sine ? sin8(acc[o][0]) : acc[o][0];
    const __m256 r1 = sine ? sin8(acc[o][1]) : acc[o][1];
    if (full) {
      _mm256_storeu_ps(out, r0);
      _mm256_storeu_ps(out + 8, r1);
    } else {
      _mm256_maskstore_ps(out, mask0, r0);
      _mm256_maskstore_ps(out + 8, mask1, r1);
    }
  }
}

void linear(const float* packed_w, const float* bias, int in, int out_padded, const float* x, std::size_t ldx, float* y,
            std::size_t ldy, int pixels, bool sine) {
  const __m256i all = _mm256_set1_epi32(-1);
  for (int ob = 0; ob < out_padded / kOutBlock; ++ob) {
    const float* w = packed_w + static_cast<std::size_t>(ob) * in * kOutBlock;
    const float* b = bias + ob * kOutBlock;
    float* yb = y + static_cast<std::size_t>(ob) * kOutBlock * ldy;
    for (int p = 0; p < pixels; p += 16) {
      const int remaining = pixels - p;
      const bool full = remaining >= 16;
      const __m256i m0 = full ? all : tail_mask(remaining);
      const __m256i m1 = full ? all : tail_mask(remaining - 8);
      block_4x16(w, b, in, 0, x, ldx, yb, ldy, p, m0, m1, full, sine);
      block_4x16(w, b, in, 4, x, ldx, yb, ldy, p, m0, m1, full, sine);
    }
  }
}

void first_layer(const float* row_bias, const float* wx, const float* grid_x, const float* feature, std::size_t ld_feature,
                 int out_padded, float* y, std::size_t ldy, int pixels) {
  for (int o = 0; o < out_padded; ++o) {
    const __m256 bias = _mm256_set1_ps(row_bias[o]);
    const __m256 slope = _mm256_set1_ps(wx[o]);
    float* out = y + static_cast<std::size_t>(o) * ldy;
    const float* f = feature ? feature + static_cast<std::size_t>(o) * ld_feature : nullptr;
    for (int p = 0; p < pixels; p += 8) {
      const __m256i mask = tail_mask(pixels - p);
      __m256 pre = _mm256_fmadd_ps(slope, _mm256_maskload_ps(grid_x + p, mask), bias);
      if (f) pre = _mm256_add_ps(pre, _mm256_maskload_ps(f + p, mask));
      _mm256_maskstore_ps(out + p, mask, sin8(pre));
    }
  }
}

void sine(float* data, std::size_t n) {
  for (std::size_t i = 0; i < n; i += 8) {
    const __m256i mask = tail_mask(n - i >= 8 ? 8 : static_cast<int>(n - i));
    _mm256_maskstore_ps(data + i, mask, sin8(_mm256_maskload_ps(data + i, mask)));
  }
}

const Kernels kKernels{"avx2", linear, first_layer, sine};

}  // namespace

const Kernels& avx2_kernels() { return kKernels; }

}  // namespace tha4::fast
