#include "inference/student/reference_engine.h"

#include "inference/pose/pose_tensor.h"
#include "inference/util/errors.h"

namespace tha4 {
namespace {
// The face crop of mode_14: centre (256, 144), 128×128 (spec §3.7).
constexpr int64_t kFaceTop = 80;
constexpr int64_t kFaceLeft = 192;
constexpr int64_t kFaceSize = 128;
}  // namespace

ReferenceStudentEngine::ReferenceStudentEngine(std::shared_ptr<CharacterModel> model) : model_(std::move(model)) {
  if (!model_) throw Error("the reference engine needs a loaded character model");
}

std::string ReferenceStudentEngine::engine_description() const {
  const torch::Device device = model_->image.device();
  if (device.is_cuda()) return "reference engine (LibTorch) on CUDA device " + std::to_string(device.index());
  const int threads = torch::get_num_threads();
  return "CPU reference engine, " + std::to_string(threads) + (threads == 1 ? " thread" : " threads");
}

StudentOutputs ReferenceStudentEngine::run(const Pose& pose) {
  check_pose_finite(pose);
  return pose_tensors(*model_, model_->image, pose_to_tensor(pose, model_->device));
}

StudentOutputs ReferenceStudentEngine::pose_tensors(CharacterModel& model, const torch::Tensor& image,
                                                    const torch::Tensor& pose) {
  torch::NoGradGuard no_grad;
  const torch::Tensor face = model.face_morpher->forward(pose.slice(1, 0, kFaceMorpherPoseSize));
  // Paste the raw face into a copy of the character (no blending, no clamping), then morph the body.
  torch::Tensor with_face = image.clone();
  with_face.slice(2, kFaceTop, kFaceTop + kFaceSize).slice(3, kFaceLeft, kFaceLeft + kFaceSize).copy_(face);
  const BodyMorpherOutputs body = model.body_morpher->forward(with_face, pose);
  StudentOutputs outputs;
  outputs[StudentOutput::kBlended] = body.blended;
  outputs[StudentOutput::kAlpha] = body.alpha;
  outputs[StudentOutput::kColorChange] = body.color_change;
  outputs[StudentOutput::kWarped] = body.warped;
  outputs[StudentOutput::kGridChange] = body.grid_change;
  outputs[StudentOutput::kFace] = face;
  return outputs;
}

}  // namespace tha4
