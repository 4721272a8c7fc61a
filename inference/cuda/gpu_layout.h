#pragma once
// The student networks laid out for the CUDA kernels (and their CPU emulation): row-major [out][in]
// matrices with both widths padded to the tensor-core tile (16) with zeros, and each level's "head" (the
// linear layer without sine that ends it: the face's 128→4, the next level's feature columns, or the
// body's 90→7). Built from the fast engine's packing, so the folds (ω0, pose bias, position slopes,
// features before upsampling) are the same numbers the CPU engine uses.

#include "inference/cuda/kernel_math.h"
#include "inference/fast/packed_student.h"

#include <vector>

namespace tha4::gpu {

struct GpuLinear {
  int in = 0;                  // multiple of 16
  int out = 0;                 // multiple of 16
  std::vector<float> weights;  // [out][in], ω0 included for sine layers
  std::vector<float> bias;     // [out]
};

struct GpuLevel {
  int size = 0;                     // S: the level works on S×S pixels
  int channels = 0;                 // first-layer outputs, multiple of 16
  int pose_size = 0;                // 39 (face) or 45 (body)
  std::vector<float> wx, wy, bias;  // [channels], ω0 included
  std::vector<float> pose_weights;  // [channels][pose_size], ω0 included
  std::vector<GpuLinear> rest;      // the sine layers after the first
  GpuLinear head;
  HeadKind head_kind = HeadKind::kFeatures;
  std::vector<float> grid;  // [S], the identity grid's coordinates (rows and columns alike)
  int low_size = 0;         // the level below's S when this level has feature inputs, else 0

  int widest() const;  // the widest activation of any sine layer: sizes the kernel's shared memory
};

struct GpuNetworks {
  GpuLevel face;
  std::vector<GpuLevel> body;  // the last one has the warp/blend head
};

GpuNetworks layout_networks(const fast::PackedFaceMorpher& face, const fast::PackedBodyMorpher& body);

// bias + P·pose in the CPU engine's order: the per-frame constant part of a first layer.
std::vector<float> frame_bias(const GpuLevel& level, const float* pose);

}  // namespace tha4::gpu
