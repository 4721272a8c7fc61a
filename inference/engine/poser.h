#pragma once
// The one interface every engine poses a character through: the student engines (reference, fast, CUDA:
// student/student_engine.h adds their six outputs) and the full system (full_system_poser.h). The plugin,
// the CLI and the benchmarks hold a Poser and do not care which engine is behind it; make_poser.h makes one.

#include "inference/image/image_io.h"
#include "inference/pose/pose.h"

#include <torch/torch.h>

#include <string>
#include <string_view>

namespace tha4::engine {

class Poser {
 public:
  virtual ~Poser() = default;
  // The engine, short: "reference", "fast", "cuda-balanced", "full-system".
  virtual std::string_view name() const = 0;
  // For people: "lambda_00 · student · CPU fast engine (avx512 kernels), 2 threads".
  virtual std::string description() const = 0;
  // Poses the character: (1, 4, S, S), premultiplied linear RGBA in [-1, 1] (spec §1), on the engine's
  // device. Throws PoseError for a non-finite pose.
  virtual torch::Tensor render(const Pose& pose) = 0;
  // The same for display: S × S premultiplied sRGB RGBA8 (DisplayPath::kPremultiplied, what OBS's texture
  // holds). Engines that can convert where the image already is (the GPU) do so.
  virtual void render_rgba8(const Pose& pose, Rgba8Image& out);
};

}  // namespace tha4::engine
