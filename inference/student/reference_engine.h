#pragma once
// The reference student engine: mode_14 with LibTorch modules and the reference's ATen ops.

#include "inference/student/character_model.h"
#include "inference/student/student_engine.h"

#include <memory>

namespace tha4 {

class ReferenceStudentEngine final : public StudentEngine {
 public:
  explicit ReferenceStudentEngine(std::shared_ptr<CharacterModel> model);
  std::string_view name() const override { return "reference"; }
  StudentOutputs run(const Pose& pose) override;
  // "CPU reference engine, 2 threads" or "reference engine on CUDA device 0".
  std::string engine_description() const override;
  const CharacterModel& model() const override { return *model_; }

  // The two-step protocol on tensors: image (N, 4, 512, 512), pose (N, 45).
  static StudentOutputs pose_tensors(CharacterModel& model, const torch::Tensor& image, const torch::Tensor& pose);

 private:
  std::shared_ptr<CharacterModel> model_;
};

}  // namespace tha4
