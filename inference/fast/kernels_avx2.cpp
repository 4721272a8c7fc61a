// AVX2 + FMA kernels (compiled with -mavx2 -mfma). With 16 ymm registers the micro-kernel holds a
// 4-output × 16-pixel block (8 accumulators); tails use masked loads and stores.
#include "inference/fast/kernels.h"
#include "inference/fast/resample.h"

#include <immintrin.h>

namespace tha4::fast {
namespace {

inline __m256 sin8(__m256 v) {
  const __m256 k =
      _mm256_round_ps(_mm256_mul_ps(v, _mm256_set1_ps(kInvPi)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
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

void first_layer(const float* row_bias, const float* wx, const float* grid_x, const float* feature,
                 std::size_t ld_feature, int out_padded, float* y, std::size_t ldy, int pixels) {
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

// The 2× case, as kernels_avx512.cpp's upsample_row explains, four source samples at a time.
void upsample_row(const float* src, std::size_t src_plane, int channels, int in_size, const Tap& row, const Tap* cols,
                  int out_size, float* scratch, float* dst, std::size_t dst_ld) {
  constexpr int kMaxLine = 1024;
  if (out_size != 2 * in_size || in_size % 8 != 0 || in_size > kMaxLine) {
    tha4::fast::upsample_row(src, src_plane, channels, in_size, row, cols, out_size, scratch, dst, dst_ld);
    return;
  }
  alignas(32) float padded[kMaxLine + 2];  // line[-1] .. line[in_size]
  float* line = padded + 1;
  const __m256 w0 = _mm256_set1_ps(row.w0);
  const __m256 w1 = _mm256_set1_ps(row.w1);
  const __m128 quarter = _mm_set1_ps(0.25f);
  const __m128 three_quarters = _mm_set1_ps(0.75f);
  for (int c = 0; c < channels; ++c) {
    const float* plane = src + static_cast<std::size_t>(c) * src_plane;
    const float* top = plane + static_cast<std::size_t>(row.i0) * in_size;
    const float* bottom = plane + static_cast<std::size_t>(row.i1) * in_size;
    for (int x = 0; x < in_size; x += 8) {
      _mm256_storeu_ps(line + x, _mm256_add_ps(_mm256_mul_ps(w0, _mm256_loadu_ps(top + x)),
                                               _mm256_mul_ps(w1, _mm256_loadu_ps(bottom + x))));
    }
    line[-1] = line[0];
    line[in_size] = line[in_size - 1];
    float* out = dst + static_cast<std::size_t>(c) * dst_ld;
    for (int k = 0; k < in_size; k += 4) {
      const __m128 left = _mm_loadu_ps(line + k - 1);
      const __m128 centre = _mm_loadu_ps(line + k);
      const __m128 right = _mm_loadu_ps(line + k + 1);
      const __m128 even = _mm_add_ps(_mm_mul_ps(quarter, left), _mm_mul_ps(three_quarters, centre));
      const __m128 odd = _mm_add_ps(_mm_mul_ps(three_quarters, centre), _mm_mul_ps(quarter, right));
      _mm_storeu_ps(out + 2 * k, _mm_unpacklo_ps(even, odd));
      _mm_storeu_ps(out + 2 * k + 4, _mm_unpackhi_ps(even, odd));
    }
    out[0] = cols[0].w0 * line[cols[0].i0] + cols[0].w1 * line[cols[0].i1];
  }
}

float multiply_add_chains(long iterations) {
  __m256 acc[kPeakChains];
#pragma GCC unroll 12
  for (int i = 0; i < kPeakChains; ++i) acc[i] = _mm256_set1_ps(0.5f);
  volatile float scale_source = 0.9999f, offset_source = 1e-6f;
  const __m256 scale = _mm256_set1_ps(scale_source), offset = _mm256_set1_ps(offset_source);
  for (long n = 0; n < iterations; ++n) {
#pragma GCC unroll 12
    for (int i = 0; i < kPeakChains; ++i) acc[i] = _mm256_fmadd_ps(acc[i], scale, offset);
  }
  __m256 sum = acc[0];
#pragma GCC unroll 12
  for (int i = 1; i < kPeakChains; ++i) sum = _mm256_add_ps(sum, acc[i]);
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, sum);
  return lanes[0] + lanes[1] + lanes[2] + lanes[3] + lanes[4] + lanes[5] + lanes[6] + lanes[7];
}

const Kernels kKernels{"avx2", linear, first_layer, sine, upsample_row, multiply_add_chains, 8};

}  // namespace

const Kernels& avx2_kernels() { return kKernels; }

}  // namespace tha4::fast
