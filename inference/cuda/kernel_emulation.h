#pragma once
// The CUDA student kernels' arithmetic on the CPU, so CI without a GPU tests what the kernels compute:
// the same padded layout (gpu_layout.h), the same per-element functions (kernel_math.h: fast sine, fp16
// rounding, upsampling taps, warp, blend) and the same operation order per output:
// - quality: sum = bias, then sum + w·x for each input in order, separately rounded (as the kernels);
// - balanced: weights and activations rounded to binary16, products summed in fp32 from 0 in input order,
//   then + bias. Tensor cores sum each 16-input step with their own internal order and rounding, so
//   balanced agrees with the GPU to fp32 accumulation rounding (not bitwise); everything else is the same.
// Each output pixel's math does not depend on the pixel tile, so the emulation works a row at a time.

#include "inference/cuda/gpu_layout.h"
#include "inference/pose/pose.h"

#include <vector>

namespace tha4::gpu {

struct EmulatedFrame {
  int size = 0;       // the image's S
  int row_begin = 0;  // the band of the final image that was computed
  int row_end = 0;
  std::vector<float> blended;  // [4][row_end − row_begin][S]
  std::vector<float> face;     // [4][128][128], the face morpher's full output
};

// Runs the face morpher in full, the first body level in full, the later levels on the rows that the
// band [row_begin, row_end) of the final image needs, then the warp and blend of that band. `character`
// is the planar RGBA image (4 × S × S). `threads` splits rows over a pool (results do not depend on it).
EmulatedFrame emulate_frame(const GpuNetworks& networks, const float* character, const Pose& pose, Precision precision,
                            int row_begin, int row_end, int threads = 2);

}  // namespace tha4::gpu
