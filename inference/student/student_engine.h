#pragma once
// The student engines' interface (mode_14's two-step protocol, spec §3.7): a Poser (engine/poser.h) that
// also gives the six outputs of the reference. Engines differ in how they compute, not in what: the
// reference engine (reference_engine.h) issues the reference implementation's ATen ops, the fast CPU engine
// (fast/) and the CUDA engine (cuda/cuda_student_poser.h) compute the same outputs faster.
// engine/make_poser.h creates them.

#include "inference/engine/poser.h"
#include "inference/pose/pose.h"

#include <torch/torch.h>

#include <array>
#include <memory>
#include <string>
#include <string_view>

namespace tha4 {

struct CharacterModel;

// Output indices of mode_14 (spec §3.7).
enum class StudentOutput : int { kBlended = 0, kAlpha, kColorChange, kWarped, kGridChange, kFace };
constexpr int kStudentOutputCount = 6;
std::string_view student_output_name(StudentOutput output);

struct StudentOutputs {
  std::array<torch::Tensor, kStudentOutputCount> tensors;  // each (1, C, H, W)

  const torch::Tensor& operator[](StudentOutput output) const { return tensors[static_cast<int>(output)]; }
  torch::Tensor& operator[](StudentOutput output) { return tensors[static_cast<int>(output)]; }
  const torch::Tensor& blended() const { return (*this)[StudentOutput::kBlended]; }
};

class StudentEngine : public engine::Poser {
 public:
  // Poses the character. Throws PoseError for a non-finite pose; values outside a parameter's range are
  // used as given (the networks accept them), so callers clamp where they want clamping. The returned
  // tensors may be shared with the engine's pose cache: read them, do not modify them in place.
  virtual StudentOutputs run(const Pose& pose) = 0;
  // The blended output: what a student shows.
  torch::Tensor render(const Pose& pose) override { return run(pose).blended(); }

  // The engine alone, for people: "CPU fast engine (avx512 kernels), 2 threads".
  virtual std::string engine_description() const = 0;
  // The model it poses.
  virtual const CharacterModel& model() const = 0;
  // "lambda_00 · student · " + engine_description(): the model is named by its folder.
  std::string description() const override;
};

}  // namespace tha4
