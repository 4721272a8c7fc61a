#pragma once
// Launchers of the fused CUDA student kernels. Raw device pointers only (no LibTorch): the host engine
// (cuda_student_engine.cpp) owns every buffer and the stream.
//
// One kernel per SIREN level: a block takes a tile of consecutive pixels of one row, computes the folded
// first layer (frame bias + position slopes + the bilinearly upsampled features of the level below) into
// shared memory, runs every sine layer with the activations staying in shared memory (ping-pong), then the
// level's head, and writes only the head's result to global memory: the next level's feature term, the
// face pasted into the character, or the warped and blended image.

#include "inference/cuda/kernel_math.h"

#include <cstddef>
#include <cuda_runtime.h>

namespace tha4::gpu {

struct DeviceLinear {
  const void* weights = nullptr;  // [out][in], float (quality) or __half (balanced)
  const float* bias = nullptr;    // [out]
  int in = 0;
  int out = 0;
};

struct LevelLaunch {
  int size = 0;                       // S
  int channels = 0;                   // first-layer outputs (multiple of 16)
  int widest = 0;                     // widest activation: shared-memory rows per buffer
  const float* frame_bias = nullptr;  // [channels], written by the frame-bias kernel
  const float* wx = nullptr;
  const float* wy = nullptr;
  const float* grid = nullptr;          // [S]
  const float* low_features = nullptr;  // [channels][low][low] or null
  int low_size = 0;
  int rest_count = 0;
  DeviceLinear rest[kMaxRestLayers];
  DeviceLinear head;
  HeadKind head_kind = HeadKind::kFeatures;
  float* features = nullptr;  // kFeatures: [head.out][S][S]
  float* face = nullptr;      // kFace: [4][S][S]
  float* image = nullptr;     // kFace: written (the crop); kWarpBlend: read. [4][image_size]²
  int image_size = 0;
  float* blended = nullptr;  // kWarpBlend: [4][S][S]
  // kWarpBlend, optional (null to skip): the reference's other outputs, for tests.
  float* alpha = nullptr;         // [1][S][S]
  float* color_change = nullptr;  // [4][S][S]
  float* warped = nullptr;        // [4][S][S]
  float* grid_change = nullptr;   // [2][S][S]
};

// Dynamic shared memory one block of a level needs.
std::size_t level_shared_bytes(int widest, Precision precision);

// Allows the level kernels `bytes` of dynamic shared memory (above the 48 KiB default). Call once before
// launching or capturing.
void allow_level_shared_bytes(std::size_t bytes);

void launch_level(const LevelLaunch& launch, Precision precision, cudaStream_t stream);

struct FrameBiasJob {
  const float* bias = nullptr;          // [channels]
  const float* pose_weights = nullptr;  // [channels][pose_size]
  int channels = 0;
  int pose_size = 0;
  float* out = nullptr;  // [channels]
};
constexpr int kMaxFrameBiasJobs = 4;

// out = bias + P·pose for up to kMaxFrameBiasJobs levels in one launch; `pose` is a device pointer.
void launch_frame_bias(const FrameBiasJob* jobs, int count, const float* pose, cudaStream_t stream);

// planar premultiplied float RGBA (4 × size × size) -> RGBA8 texture bytes (premultiplied_rgba8).
void launch_to_rgba8(const float* planar, int size, unsigned char* rgba, cudaStream_t stream);

}  // namespace tha4::gpu
