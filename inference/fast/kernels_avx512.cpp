// AVX-512 kernels (compiled with -mavx512f -mfma). The linear kernel keeps an 8-output × 32-pixel block of
// accumulators in 16 zmm registers and streams the input channels through them: per input channel two
// loads and sixteen FMAs with broadcast weights, the shape of a GEMM micro-kernel.
#include "inference/fast/kernels.h"
#include "inference/fast/resample.h"

#include <immintrin.h>

namespace tha4::fast {
namespace {

inline __m512 sin16(__m512 v) {
  const __m512 k =
      _mm512_roundscale_ps(_mm512_mul_ps(v, _mm512_set1_ps(kInvPi)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
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

// One 8-output block over 16·kVectors pixels starting at p (full width): 8·kVectors accumulators.
template <int kVectors>
inline void block_8xn(const float* w, const float* bias, int in, const float* x, std::size_t ldx, float* y,
                      std::size_t ldy, int p, bool sine) {
  __m512 acc[kOutBlock][kVectors];
#pragma GCC unroll 8
  for (int o = 0; o < kOutBlock; ++o) {
#pragma GCC unroll 4
    for (int v = 0; v < kVectors; ++v) acc[o][v] = _mm512_set1_ps(bias[o]);
  }
  const float* xp = x + p;
  for (int c = 0; c < in; ++c) {
    __m512 xv[kVectors];
#pragma GCC unroll 4
    for (int v = 0; v < kVectors; ++v) xv[v] = _mm512_loadu_ps(xp + 16 * v);
    xp += ldx;
#pragma GCC unroll 8
    for (int o = 0; o < kOutBlock; ++o) {
      const __m512 wo = _mm512_set1_ps(w[o]);
#pragma GCC unroll 4
      for (int v = 0; v < kVectors; ++v) acc[o][v] = _mm512_fmadd_ps(wo, xv[v], acc[o][v]);
    }
    w += kOutBlock;
  }
#pragma GCC unroll 8
  for (int o = 0; o < kOutBlock; ++o) {
    float* out = y + o * ldy + p;
#pragma GCC unroll 4
    for (int v = 0; v < kVectors; ++v) _mm512_storeu_ps(out + 16 * v, sine ? sin16(acc[o][v]) : acc[o][v]);
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
    for (; p + 48 <= pixels; p += 48) block_8xn<3>(w, b, in, x, ldx, yb, ldy, p, sine);
    for (; p + 32 <= pixels; p += 32) block_8xn<2>(w, b, in, x, ldx, yb, ldy, p, sine);
    for (; p < pixels; p += 16) block_8x16_masked(w, b, in, x, ldx, yb, ldy, p, tail_mask(pixels - p), sine);
  }
}

void first_layer(const float* row_bias, const float* wx, const float* grid_x, const float* feature,
                 std::size_t ld_feature, int out_padded, float* y, std::size_t ldy, int pixels) {
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

// The 2× case (every level above the first): out[2k] = 0.25·line[k-1] + 0.75·line[k] and
// out[2k+1] = 0.75·line[k] + 0.25·line[k+1], line clamped at its ends; bilinear_taps gives exactly these
// weights, except out[0] = 1·line[0] + 0·line[1]. Products and sums as the portable version, unfused
// (the library builds with -ffp-contract=off), so the bits are the same.
void upsample_row(const float* src, std::size_t src_plane, int channels, int in_size, const Tap& row, const Tap* cols,
                  int out_size, float* scratch, float* dst, std::size_t dst_ld) {
  constexpr int kMaxLine = 1024;
  if (out_size != 2 * in_size || in_size % 8 != 0 || in_size > kMaxLine) {
    tha4::fast::upsample_row(src, src_plane, channels, in_size, row, cols, out_size, scratch, dst, dst_ld);
    return;
  }
  alignas(64) float padded[kMaxLine + 2];  // line[-1] .. line[in_size]
  float* line = padded + 1;
  const __m512 w0 = _mm512_set1_ps(row.w0);
  const __m512 w1 = _mm512_set1_ps(row.w1);
  const __m256 quarter = _mm256_set1_ps(0.25f);
  const __m256 three_quarters = _mm256_set1_ps(0.75f);
  const __m512i interleave = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  for (int c = 0; c < channels; ++c) {
    const float* plane = src + static_cast<std::size_t>(c) * src_plane;
    const float* top = plane + static_cast<std::size_t>(row.i0) * in_size;
    const float* bottom = plane + static_cast<std::size_t>(row.i1) * in_size;
    for (int x = 0; x < in_size; x += 16) {
      const __mmask16 mask = tail_mask(in_size - x);
      const __m512 v = _mm512_add_ps(_mm512_mul_ps(w0, _mm512_maskz_loadu_ps(mask, top + x)),
                                     _mm512_mul_ps(w1, _mm512_maskz_loadu_ps(mask, bottom + x)));
      _mm512_mask_storeu_ps(line + x, mask, v);
    }
    line[-1] = line[0];
    line[in_size] = line[in_size - 1];
    float* out = dst + static_cast<std::size_t>(c) * dst_ld;
    for (int k = 0; k < in_size; k += 8) {
      const __m256 left = _mm256_loadu_ps(line + k - 1);
      const __m256 centre = _mm256_loadu_ps(line + k);
      const __m256 right = _mm256_loadu_ps(line + k + 1);
      const __m256 even = _mm256_add_ps(_mm256_mul_ps(quarter, left), _mm256_mul_ps(three_quarters, centre));
      const __m256 odd = _mm256_add_ps(_mm256_mul_ps(three_quarters, centre), _mm256_mul_ps(quarter, right));
      _mm512_storeu_ps(out + 2 * k,
                       _mm512_permutex2var_ps(_mm512_zextps256_ps512(even), interleave, _mm512_zextps256_ps512(odd)));
    }
    out[0] = cols[0].w0 * line[cols[0].i0] + cols[0].w1 * line[cols[0].i1];
  }
}

float multiply_add_chains(long iterations) {
  __m512 acc[kPeakChains];
#pragma GCC unroll 12
  for (int i = 0; i < kPeakChains; ++i) acc[i] = _mm512_set1_ps(0.5f);
  volatile float scale_source = 0.9999f, offset_source = 1e-6f;
  const __m512 scale = _mm512_set1_ps(scale_source), offset = _mm512_set1_ps(offset_source);
  for (long n = 0; n < iterations; ++n) {
#pragma GCC unroll 12
    for (int i = 0; i < kPeakChains; ++i) acc[i] = _mm512_fmadd_ps(acc[i], scale, offset);
  }
  __m512 sum = acc[0];
#pragma GCC unroll 12
  for (int i = 1; i < kPeakChains; ++i) sum = _mm512_add_ps(sum, acc[i]);
  alignas(64) float lanes[16];
  _mm512_store_ps(lanes, sum);
  float total = 0.0f;
  for (float lane : lanes) total += lane;
  return total;
}

const Kernels kKernels{"avx512", linear, first_layer, sine, upsample_row, multiply_add_chains, 16};

}  // namespace

const Kernels& avx512_kernels() { return kKernels; }

}  // namespace tha4::fast
