#pragma once
// Per-tile kernels of the fast student engine. A "tile" is one image row of a SIREN level: activations
// are planar (channel-major), `pixels` floats per channel with a row stride `ld`. Each instruction set
// (generic C++, AVX2+FMA, AVX-512) has its own translation unit compiled with its own flags; the engine
// picks one at run time (cpu_features.h). Those units use no inline library code, so no function compiled
// for a wider instruction set can leak into another through the linker (ODR).

#include <cstddef>

namespace tha4::fast {

// Output rows are processed in blocks of this many; packed weights are padded to a multiple of it.
constexpr int kOutBlock = 8;

// Cody-Waite split of π and the odd Taylor polynomial of sin on [-π/2, π/2]: shared by every
// implementation so they agree to rounding.
constexpr float kInvPi = 0.318309886183790671538f;
constexpr float kPiA = 3.140625f;
constexpr float kPiB = 9.67502593994140625e-4f;
constexpr float kPiC = 1.509957990978376432e-7f;
constexpr float kSin3 = -1.66666666666666666667e-1f;
constexpr float kSin5 = 8.33333333333333333333e-3f;
constexpr float kSin7 = -1.98412698412698412698e-4f;
constexpr float kSin9 = 2.75573192239858906526e-6f;
constexpr float kSin11 = -2.50521083854417187751e-8f;
constexpr float kSin13 = 1.60590438368216145994e-10f;

// Source taps of one output coordinate of a bilinear resize: out = w0·in[i0] + w1·in[i1].
struct Tap {
  int i0;
  int i1;
  float w0;
  float w1;
};

struct Kernels {
  const char* name;

  // y[o][p] = f(bias[o] + Σ_c w[o][c]·x[c][p]) for o < out_padded, p < pixels, where f is sin when
  // `sine` is set and the identity otherwise. `packed_w` is [out_padded / kOutBlock][in][kOutBlock].
  void (*linear)(const float* packed_w, const float* bias, int in, int out_padded, const float* x, std::size_t ldx,
                 float* y, std::size_t ldy, int pixels, bool sine);

  // The first sine layer of a level with its constant parts folded (spec §3.9):
  // y[o][p] = sin(row_bias[o] + wx[o]·grid_x[p] + feature[o][p]); `feature` may be null (level 0, face).
  void (*first_layer)(const float* row_bias, const float* wx, const float* grid_x, const float* feature,
                      std::size_t ld_feature, int out_padded, float* y, std::size_t ldy, int pixels);

  // data[i] = sin(data[i]) for i < n.
  void (*sine)(float* data, std::size_t n);

  // resample.h's upsample_row, vectorised where the instruction set allows: the same products and sums,
  // so every set gives the same bits.
  void (*upsample_row)(const float* src, std::size_t src_plane, int channels, int in_size, const Tap& row,
                       const Tap* cols, int out_size, float* scratch, float* dst, std::size_t dst_ld);

  // The peak of this instruction set on one core, for benchmarks: `iterations` rounds of kPeakChains
  // independent multiply-add chains of `lanes` floats each (registers only, no memory traffic); returns a
  // value that depends on every chain so the work cannot be dropped.
  float (*multiply_add_chains)(long iterations);
  int lanes;
};

// Enough independent chains to cover the multiply-add latency on both FMA ports of current x86 cores.
constexpr int kPeakChains = 12;

const Kernels& generic_kernels();
const Kernels& avx2_kernels();    // needs AVX2 and FMA
const Kernels& avx512_kernels();  // needs AVX-512F

}  // namespace tha4::fast
