#pragma once
// The per-element math of the CUDA student kernels, shared by the .cu kernels and their CPU emulation
// (kernel_emulation.h) so the two cannot drift apart: tile sizes, the fast sine, fp16 rounding, the
// bilinear taps, the warp and the blend.
//
// Every float operation goes through mul/add/sub, which are single correctly rounded IEEE operations on
// both sides (__fmul_rn/__fadd_rn are never fused by nvcc; host files including this header must be
// compiled with -ffp-contract=off, as tha4_inference is). That keeps the `quality` kernels bit-identical
// to the fast CPU engine's generic kernels, which use the same operation order without fused multiply-adds.

#include "inference/fast/kernels.h"  // the Cody-Waite and polynomial constants of the fast sine

#include <cstdint>
#include <cstring>

#if defined(__CUDACC__)
#include <cuda_fp16.h>
#define THA4_HD __host__ __device__ __forceinline__
#else
#define THA4_HD inline
#endif
#include <cmath>

namespace tha4::gpu {

// Block shape of the fused level kernels: 8 warps; each block owns one tile of consecutive pixels of one
// image row (every level's size is a multiple of both tile widths).
constexpr int kThreadsPerBlock = 256;
constexpr int kWarpsPerBlock = kThreadsPerBlock / 32;
constexpr int kQualityTilePixels = 16;   // fp32 activations: 2 × 368 × 16 × 4 B = 46 KiB of ping-pong
constexpr int kBalancedTilePixels = 32;  // fp16 activations: 2 × 368 × 32 × 2 B = 46 KiB of ping-pong
// wmma m16n16k16: outputs (M), pixels (N) and inputs (K) are padded to multiples of 16 with zeros.
constexpr int kMmaSize = 16;
constexpr int kHeadRows = 16;      // face (4) and body (7) heads, padded; staged in shared memory
constexpr int kMaxRestLayers = 7;  // the face morpher has 7 sine layers after its first
// mode_14's face crop (spec §3.7): rows 80:208, cols 192:320 of the 512×512 character.
constexpr int kFaceTop = 80;
constexpr int kFaceLeft = 192;

enum class Precision : int {
  kQuality,   // fp32 activations and weights, FMA-free products (bit-equal to the CPU engine's generic kernels)
  kBalanced,  // fp16 activations and weights, tensor-core products (wmma) with fp32 accumulation
};

// What ends a level, after its last sine layer.
enum class HeadKind : int {
  kFace,       // 4 channels pasted into the character image (and kept as the face output)
  kFeatures,   // the next level's feature columns, written at this level's resolution
  kWarpBlend,  // grid change, alpha, colour change: warp the image and blend
};

THA4_HD int pad_to_mma(int n) { return (n + kMmaSize - 1) / kMmaSize * kMmaSize; }

THA4_HD float mul(float a, float b) {
#if defined(__CUDA_ARCH__)
  return __fmul_rn(a, b);
#else
  return a * b;
#endif
}

THA4_HD float add(float a, float b) {
#if defined(__CUDA_ARCH__)
  return __fadd_rn(a, b);
#else
  return a + b;
#endif
}

THA4_HD float sub(float a, float b) {
#if defined(__CUDA_ARCH__)
  return __fsub_rn(a, b);
#else
  return a - b;
#endif
}

// sin(v) for |v| up to a few thousand: k = nearest integer to v/π (the 1.5·2^23 rounding trick), a
// three-part Cody-Waite reduction r = v − kπ, then the odd degree-13 Taylor polynomial on [−π/2, π/2] and
// the sign (−1)^k. The same operations as the CPU engine's generic fast_sin. Measured max error over the
// models' pre-activation range: 1.23e-7 for |x| ≤ 370.4 (the
// "cuda emulation: fast sine" test).
THA4_HD float fast_sin(float v) {
  using namespace tha4::fast;
  const float shifted = add(mul(v, kInvPi), 12582912.0f);
  const float k = sub(shifted, 12582912.0f);
  const int odd = static_cast<int>(k) & 1;
  float r = sub(v, mul(k, kPiA));
  r = sub(r, mul(k, kPiB));
  r = sub(r, mul(k, kPiC));
  const float r2 = mul(r, r);
  float p = add(kSin11, mul(r2, kSin13));
  p = add(kSin9, mul(r2, p));
  p = add(kSin7, mul(r2, p));
  p = add(kSin5, mul(r2, p));
  p = add(kSin3, mul(r2, p));
  const float s = add(r, mul(mul(r, r2), p));
  return odd ? -s : s;
}

// IEEE binary16 bits of the nearest half to f (round to nearest, ties to even; overflow to ±inf), as
// __float2half_rn computes them. Host only (the kernels use the intrinsic): software, so the emulation
// and the weight upload run on any CPU.
inline std::uint16_t half_bits(float f) {
  std::uint32_t x = 0;
  std::memcpy(&x, &f, sizeof x);
  const std::uint32_t sign = (x >> 16) & 0x8000u;
  const std::uint32_t ax = x & 0x7fffffffu;
  if (ax > 0x7f800000u) return static_cast<std::uint16_t>(sign | 0x7e00u);   // NaN
  if (ax >= 0x477ff000u) return static_cast<std::uint16_t>(sign | 0x7c00u);  // ≥ 65520 rounds to inf
  if (ax < 0x38800000u) {
    // Below 2^-14: a subnormal half, a multiple of 2^-24. |f|·2^24 is exact; rint rounds ties to even.
    float magnitude = 0.0f;
    std::memcpy(&magnitude, &ax, sizeof magnitude);
    const float units = std::nearbyint(magnitude * 16777216.0f);
    return static_cast<std::uint16_t>(sign | static_cast<std::uint32_t>(units));
  }
  // Normal: drop 13 mantissa bits with round-to-nearest-even; a carry correctly bumps the exponent.
  const std::uint32_t rounded = ax + 0x0fffu + ((ax >> 13) & 1u);
  return static_cast<std::uint16_t>(sign | (((rounded >> 13) - (112u << 10)) & 0x7fffu));
}

inline float half_to_float(std::uint16_t h) {
  const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
  const std::uint32_t exponent = (h >> 10) & 0x1fu;
  const std::uint32_t mantissa = h & 0x3ffu;
  std::uint32_t bits = 0;
  if (exponent == 0) {
    // Zero or subnormal: mantissa · 2^-24, exact in float.
    const float value = static_cast<float>(mantissa) * 5.9604644775390625e-8f;
    std::memcpy(&bits, &value, sizeof bits);
    bits |= sign;
  } else if (exponent == 31) {
    bits = sign | 0x7f800000u | (mantissa << 13);
  } else {
    bits = sign | ((exponent + 112u) << 23) | (mantissa << 13);
  }
  float out = 0.0f;
  std::memcpy(&out, &bits, sizeof out);
  return out;
}

// The value the balanced kernels store for an activation or a weight: f rounded to binary16.
inline float round_to_half(float f) { return half_to_float(half_bits(f)); }

// One output coordinate of PyTorch's bilinear resize (align_corners=False), as fast::bilinear_taps.
struct BilinearTap {
  int i0;
  int i1;
  float w0;
  float w1;
};

THA4_HD BilinearTap bilinear_tap(int x, int in_size, int out_size) {
  const float scale = static_cast<float>(in_size) / static_cast<float>(out_size);
  float source = sub(mul(scale, add(static_cast<float>(x), 0.5f)), 0.5f);
  source = source > 0.0f ? source : 0.0f;
  int i0 = static_cast<int>(source);
  i0 = i0 < in_size - 1 ? i0 : in_size - 1;
  const float w1 = sub(source, static_cast<float>(i0));
  return {i0, i0 + 1 < in_size ? i0 + 1 : in_size - 1, sub(1.0f, w1), w1};
}

// The upsampled value of one plane at (row, col) taps: the vertical pass first, then the horizontal one,
// exactly as fast::upsample_row orders it.
THA4_HD float upsample_at(const float* plane, int in_size, const BilinearTap& row, const BilinearTap& col) {
  const float* top = plane + row.i0 * in_size;
  const float* bottom = plane + row.i1 * in_size;
  const float left = add(mul(row.w0, top[col.i0]), mul(row.w1, bottom[col.i0]));
  const float right = add(mul(row.w0, top[col.i1]), mul(row.w1, bottom[col.i1]));
  return add(mul(col.w0, left), mul(col.w1, right));
}

// grid_sample(bilinear, border, align_corners=False) of the 4 planar channels of `image` (size×size) at
// the identity grid (gx, gy) plus (dx, dy), as fast::warp_row computes one pixel.
THA4_HD void warp_pixel(const float* image, int size, float gx, float gy, float dx, float dy, float out[4]) {
  const float limit = static_cast<float>(size - 1);
  const float fsize = static_cast<float>(size);
  float ix = mul(sub(mul(add(add(gx, dx), 1.0f), fsize), 1.0f), 0.5f);
  float iy = mul(sub(mul(add(add(gy, dy), 1.0f), fsize), 1.0f), 0.5f);
  ix = ix < 0.0f ? 0.0f : (ix > limit ? limit : ix);
  iy = iy < 0.0f ? 0.0f : (iy > limit ? limit : iy);
  const int x0 = static_cast<int>(ix);
  const int y0 = static_cast<int>(iy);
  const int x1 = x0 + 1 < size ? x0 + 1 : size - 1;
  const int y1 = y0 + 1 < size ? y0 + 1 : size - 1;
  const float fx = sub(ix, static_cast<float>(x0));
  const float fy = sub(iy, static_cast<float>(y0));
  const float w00 = mul(sub(1.0f, fx), sub(1.0f, fy));
  const float w01 = mul(fx, sub(1.0f, fy));
  const float w10 = mul(sub(1.0f, fx), fy);
  const float w11 = mul(fx, fy);
  const int plane = size * size;
  const int i00 = y0 * size + x0, i01 = y0 * size + x1, i10 = y1 * size + x0, i11 = y1 * size + x1;
  for (int c = 0; c < 4; ++c) {
    const float* p = image + c * plane;
    out[c] = add(add(add(mul(w00, p[i00]), mul(w01, p[i01])), mul(w10, p[i10])), mul(w11, p[i11]));
  }
}

// blended = (1 − alpha)·warped + alpha·colour (spec §3.5).
THA4_HD float blend(float alpha, float warped, float color) {
  return add(mul(sub(1.0f, alpha), warped), mul(alpha, color));
}

// One pixel of a planar premultiplied [-1, 1] RGBA image as the OBS source's texture bytes: the same rule
// as DisplayPath::kPremultiplied (inference/image/display.cpp): alpha to a byte, each colour clamped to that
// stored alpha, sRGB-encoded, rounded half to even. powf may differ by an ulp between the device and glibc,
// so GPU bytes can differ from the CPU's by 1 where a value sits on a rounding boundary.
THA4_HD unsigned char unit_to_byte(float value) {
  const float clamped = fminf(fmaxf(value, 0.0f), 1.0f);
  return static_cast<unsigned char>(rintf(255.0f * clamped));
}
THA4_HD float encode_srgb(float linear) {
  const float c = fminf(fmaxf(linear, 0.0f), 1.0f);
  return c <= 0.003130804953560372f ? 12.92f * c : 1.055f * powf(c, 1.0f / 2.4f) - 0.055f;
}
THA4_HD void premultiplied_rgba8(const float* planar, int plane, int pixel, unsigned char out[4]) {
  const float alpha = fminf(fmaxf((planar[3 * plane + pixel] + 1.0f) * 0.5f, 0.0f), 1.0f);
  const unsigned char alpha_byte = unit_to_byte(alpha);
  const float stored_alpha = static_cast<float>(alpha_byte) / 255.0f;
  for (int c = 0; c < 3; ++c) {
    const float linear = fminf((planar[c * plane + pixel] + 1.0f) * 0.5f, stored_alpha);
    out[c] = unit_to_byte(encode_srgb(linear));
  }
  out[3] = alpha_byte;
}

}  // namespace tha4::gpu
