#pragma once
// The CUDA student engine: the fused level kernels (student_kernels.cuh) replayed as one CUDA graph per
// frame, with the CPU engine's pose caches (same pose: nothing runs; same face pose: the face morpher is
// skipped). The result stays in device memory for a later CUDA–GL/D3D11 copy into the OBS texture
// (docs/gpu.md); copy_blended_to_host is the portable path. Compiled only with THA4_CUDA. The header
// names no CUDA or LibTorch type (pimpl), so OBS-side code can include it with a plain C++ compiler.

#include "inference/cuda/kernel_math.h"
#include "inference/pose/pose.h"

#include <memory>
#include <string_view>
#include <vector>

namespace tha4::fast {
struct PackedFaceMorpher;
struct PackedBodyMorpher;
}  // namespace tha4::fast

namespace tha4::gpu {

// The reference's other outputs, for tests; render() computes only the blended image unless asked.
struct CudaDebugOutputs {
  std::vector<float> alpha, color_change, warped, grid_change, face;  // planar, as StudentOutputs
};

// Devices the CUDA runtime sees (0 without a driver or GPU; never throws).
int cuda_device_count();

class CudaStudentEngine {
 public:
  // `character`: the character image as the reference uses it (planar float RGBA, 4 × size × size,
  // premultiplied linear), size = the body morpher's last level. Uploads every weight once.
  CudaStudentEngine(const fast::PackedFaceMorpher& face, const fast::PackedBodyMorpher& body, const float* character,
                    Precision precision, int device = 0, bool debug_outputs = false);
  ~CudaStudentEngine();
  CudaStudentEngine(const CudaStudentEngine&) = delete;
  CudaStudentEngine& operator=(const CudaStudentEngine&) = delete;

  std::string_view name() const { return precision_ == Precision::kQuality ? "cuda-quality" : "cuda-balanced"; }
  Precision precision() const { return precision_; }
  int image_size() const;

  // Renders `pose` and returns the blended image in device memory (planar float RGBA, 4 × S × S), valid
  // until the next call. Synchronous: the frame is complete on return.
  const float* render(const Pose& pose);
  // The last rendered blended image, planar RGBA (4 × S × S floats).
  void copy_blended_to_host(std::vector<float>& out) const;
  // Renders `pose` and converts it on the GPU to the OBS source's texture bytes (S × S RGBA8, premultiplied
  // sRGB, as DisplayPath::kPremultiplied); returns the device buffer, valid until the next call.
  const unsigned char* render_rgba8(const Pose& pose);
  void copy_rgba8_to_host(std::vector<unsigned char>& out) const;
  // GPU time of the last frame's graph (CUDA events around it), in ms; 0 when the frame cache answered.
  float last_gpu_ms() const;
  // Only with debug_outputs: the last frame's other outputs.
  CudaDebugOutputs copy_debug_outputs() const;

 private:
  // Enqueues the frame's graph unless the frame cache answers (then returns false). Does not wait.
  bool launch_frame(const Pose& pose);
  // Waits for the stream and records the frame's GPU time.
  void finish_frame(bool launched, const char* what);

  struct Impl;
  Precision precision_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tha4::gpu
