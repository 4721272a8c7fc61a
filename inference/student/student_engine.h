#pragma once
// The student poser interface (mode_14's two-step protocol, spec §3.7). Engines differ in how they
// compute, not in what: every engine returns the same six outputs for a pose. The reference engine
// (reference_engine.h) issues the reference implementation's ATen ops; faster engines plug in here.

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

class StudentEngine {
 public:
  virtual ~StudentEngine() = default;
  virtual std::string_view name() const = 0;
  // Poses the character. Throws PoseError for a non-finite pose; values outside a parameter's range are
  // used as given (the networks accept them), so callers clamp where they want clamping. The returned
  // tensors may be shared with the engine's pose cache: read them, do not modify them in place.
  virtual StudentOutputs run(const Pose& pose) = 0;
};

enum class StudentEngineKind {
  kReference,  // LibTorch with the reference's ATen ops: bit-exact, slow
  kFast,       // the folded, fused CPU engine (inference/fast/): the default on the CPU
};
std::string_view engine_kind_name(StudentEngineKind kind);
// "reference" / "fast"; throws Error listing the valid names otherwise.
StudentEngineKind parse_engine_kind(std::string_view name);

struct StudentEngineOptions {
  int threads = 0;  // CPU threads of the fast engine (≤ 0: every hardware thread); the reference engine
                    // uses LibTorch's global thread count
};

// Creates an engine over a loaded character model (the engine shares the model's networks).
std::unique_ptr<StudentEngine> make_student_engine(StudentEngineKind kind, std::shared_ptr<CharacterModel> model,
                                                   const StudentEngineOptions& options = {});

}  // namespace tha4
