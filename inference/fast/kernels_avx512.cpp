// AVX-512 kernels (compiled with -mavx512f -mfma). The linear kernel keeps an 8-output × 32-pixel block of
// accumulators in 16 zmm registers and streams the input channels through them: per input channel two
// loads and sixteen FMAs with broadcast weights, the shape of a GEMM micro-kernel.
#include "inference/fast/kernels.h"

#include <immintrin.h>

namespace tha4::fast {
namespace {

inline __m512 sin16(__m512 v) {
  const __m512 k = _mm512_roundscale_ps(_mm512_mul_ps(v, _mm512_set1_ps(kInvPi)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(k, _mm512_set1_ps(kPiA), v);
  r = _mm512_fnmadd_ps(k, _mm512_set1_ps(kPiB), r);
  r = _mm512_fnmadd_ps(k, _mm512_set1_ps(kPiC), r);
  const __m512i sign = _mm512_slli_epi32(_mm512_cvtps_epi32(k), 31);  // odd k flips the sign
  const __m512 r2 = _mm512_mul_ps(r, r);
  __m512 p = _mm512_fmadd_ps(r2, _mm512_set1_ps(kSin13), _mm512_set1_ps(kSin11));
  p = _mm512_fmadd_ps(r2, p, _mm512_set1_ps(kSin9));
  p = _mm512_fmadd_ps(r2, p, _mm512_set1_ps(kSin7));
  p = _mm512_fmadd_ps(r2, p, _mm512_set1_ps(kSin5));
  p = _mm512_fmadd_ps(r2, p, _mm512_set1_ps(kSin3));
  const __m512 s = _mm512_fmadd_ps(_mm512_mul_ps(r, r2), p, r);
  return _mm512_castsi512_ps(_mm512_xor_si512(_mm512_castps_si512(s), sign));
}

inline __mmask16 tail_mask(int remaining) {
  return remaining >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << remaining) - 1u);
}

// One 8-output block over 32 pixels starting at p (full width).
inline void block_8x32(const float* w, const float* bias, int in, const float* x, std::size_t ldx, float* y,
                       std::size_t ldy, int p, bool sine) {
  __m512 acc[kOutBlock][2];
#pragma GCC unroll 8
  for (int o = 0; o < kOutBlock; ++o) acc[o][0] = acc[o][1] = _mm512_set1_ps(bias[o]);
  const float* xp = x + p;
  for (int c = 0; c < in; ++c) {
    const __m512 x0 = _mm512_loadu_ps(xp);
    const __m512 x1 = _mm512_loadu_ps(xp + 16);
    xp += ldx;
#pragma GCC unroll 8
    for (int o = 0; o < kOutBlock; ++o) {
      const __m512 wo = _mm512_set1_ps(w[o]);
      acc[o][0] = _mm512_fmadd_ps(wo, x0, acc[o][0]);
      acc[o][1] = _mm512_fmadd_ps(wo, x1, acc[o][1]);
    }
    w += kOutBlock;
  }
#pragma GCC unroll 8
  for (int o = 0; o < kOutBlock; ++o) {
    float* out = y + o * ldy + p;
    _mm512_storeu_ps(out, sine ? sin16(acc[o][0]) : acc[o][0]);
    _mm512_storeu_ps(out + 16, sine ? sin16(acc[o][1]) : acc[o][1]);
  }
}

// One 8-output block over up to 16 pixels starting at p (the row's tail).
inline void block_8x16_masked(const float* w, const float* bias, int in, const float* x, std::size_t ldx, float* y,
                              std::size_t ldy, int p, __mmask16 mask, bool sine) {
  __m512 acc[kOutBlock];
#pragma GCC unroll 8
  for (int o = 0; o < kOutBlock; ++o) acc[o] = _mm512_set1_ps(bias[o]);
  const float* xp = x + p;
  for (int c = 0; c < in; ++c) {
    const __m512 x0 = _mm512_maskz_loadu_ps(mask, xp);
    xp += ldx;
#pragma GCC unroll 8
    for (int o = 0; o < kOutBlock; ++o) acc[o] = _mm512_fmadd_ps(_mm512_set1_ps(w[o]), x0, acc[o]);
    w += kOutBlock;
  }
#pragma GCC unroll 8
  for (int o = 0; o < kOutBlock; ++o) _mm512_mask_storeu_ps(y + o * ldy + p, mask, sine ? sin16(acc[o]) : acc[o]);
}

void linear(const float* packed_w, const float* bias, int in, int out_padded, const float* x, std::size_t ldx, float* y,
            std::size_t ldy, int pixels, bool sine) {
  for (int ob = 0; ob < out_padded / kOutBlock; ++ob) {
    const float* w = packed_w + static_cast<std::size_t>(ob) * in * kOutBlock;
    const float* b = bias + ob * kOutBlock;
    float* yb = y + static_cast<std::size_t>(ob) * kOutBlock * ldy;
    int p = 0;
    for (; p + 32 <= pixels; p += 32) block_8x32(w, b, in, x, ldx, yb, ldy, p, sine);
    for (; p < pixels; p += 16) block_8x16_masked(w, b, in, x, ldx, yb, ldy, p, tail_mask(pixels - p), sine);
  }
}

void first_layer(const float* row_bias, const float* wx, const float* grid_x, const float* feature, std::size_t ld_feature,
                 int out_padded, float* y, std::size_t ldy, int pixels) {
  for (int o = 0; o < out_padded; ++o) {
    const __m512 bias = _mm512_set1_ps(row_bias[o]);
    const __m512 slope = _mm512_set1_ps(wx[o]);
    float* out = y + static_cast<std::size_t>(o) * ldy;
    const float* f = feature ? feature + static_cast<std::size_t>(o) * ld_feature : nullptr;
    for (int p = 0; p < pixels; p += 16) {
      const __mmask16 mask = tail_mask(pixels - p);
      __m512 pre = _mm512_fmadd_ps(slope, _mm512_maskz_loadu_ps(mask, grid_x + p), bias);
      if (f) pre = _mm512_add_ps(pre, _mm512_maskz_loadu_ps(mask, f + p));
      _mm512_mask_storeu_ps(out + p, mask, sin16(pre));
    }
  }
}

void sine(float* data, std::size_t n) {
  for (std::size_t i = 0; i < n; i += 16) {
    const __mmask16 mask = tail_mask(n - i >= 16 ? 16 : static_cast<int>(n - i));
    _mm512_mask_storeu_ps(data + i, mask, sin16(_mm512_maskz_loadu_ps(mask, data + i)));
  }
}

const Kernels kKernels{"avx512", linear, first_layer, sine};

}  // namespace

const Kernels& avx512_kernels() { return kKernels; }

}  // namespace tha4::fast
