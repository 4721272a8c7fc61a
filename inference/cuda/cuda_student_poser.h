#pragma once
// The fused CUDA engine (cuda_student_engine.h) as a StudentEngine, so that it sits behind the same Poser
// interface as the CPU engines: the CLI benchmarks and tests it, the plugin shows it. THA4_CUDA builds only.

#include "inference/cuda/cuda_student_engine.h"
#include "inference/student/student_engine.h"

#include <memory>
#include <vector>

namespace tha4::gpu {

class CudaStudentPoser final : public StudentEngine {
 public:
  // Packs and uploads `model`'s networks (loaded on the CPU) to GPU `device`. `all_outputs`: run() returns
  // the reference's six outputs (for parity checks; costs a download of each); otherwise only the blended
  // image is downloaded and the other five are undefined tensors.
  CudaStudentPoser(std::shared_ptr<CharacterModel> model, Precision precision, int device, bool all_outputs);

  std::string_view name() const override { return engine_->name(); }
  StudentOutputs run(const Pose& pose) override;
  // Converts to texture bytes on the GPU and downloads only those.
  void render_rgba8(const Pose& pose, Rgba8Image& out) override;
  // "fused CUDA engine (balanced, fp16) on GPU 0".
  std::string engine_description() const override;
  const CharacterModel& model() const override { return *model_; }

  // The engine itself, for what only the GPU can do: the plugin hands its device frames to OBS's texture.
  CudaStudentEngine& cuda_engine() { return *engine_; }
  int device() const { return device_; }

 private:
  std::shared_ptr<CharacterModel> model_;
  int device_;
  bool all_outputs_;
  std::unique_ptr<CudaStudentEngine> engine_;
  std::vector<float> host_;  // download buffer
};

}  // namespace tha4::gpu
