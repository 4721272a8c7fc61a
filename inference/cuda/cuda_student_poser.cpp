#include "inference/cuda/cuda_student_poser.h"

#include "inference/fast/packed_student.h"
#include "inference/student/character_model.h"

#include <cmath>

namespace tha4::gpu {
namespace {

// Planar floats (C × size × size) as a (1, C, size, size) tensor that owns its memory.
torch::Tensor planar_tensor(const std::vector<float>& planes, int64_t size) {
  const int64_t channels = static_cast<int64_t>(planes.size()) / (size * size);
  return torch::from_blob(const_cast<float*>(planes.data()), {1, channels, size, size}, torch::kFloat32).clone();
}

// The face morpher's output is 4 × F × F with its own size F.
torch::Tensor face_tensor(const std::vector<float>& planes) {
  const auto size = static_cast<int64_t>(std::lround(std::sqrt(static_cast<double>(planes.size()) / 4.0)));
  return planar_tensor(planes, size);
}

}  // namespace

CudaStudentPoser::CudaStudentPoser(std::shared_ptr<CharacterModel> model, Precision precision, int device,
                                   bool all_outputs)
    : model_(std::move(model)), device_(device), all_outputs_(all_outputs) {
  const torch::Tensor image = model_->image.to(torch::kCPU).contiguous();
  engine_ = std::make_unique<CudaStudentEngine>(fast::pack_face_morpher(*model_->face_morpher),
                                                fast::pack_body_morpher(*model_->body_morpher), image.data_ptr<float>(),
                                                precision, device, all_outputs);
}

StudentOutputs CudaStudentPoser::run(const Pose& pose) {
  engine_->render(pose);
  engine_->copy_blended_to_host(host_);
  const int64_t size = engine_->image_size();
  StudentOutputs outputs;
  outputs[StudentOutput::kBlended] = planar_tensor(host_, size);
  if (all_outputs_) {
    const CudaDebugOutputs debug = engine_->copy_debug_outputs();
    outputs[StudentOutput::kAlpha] = planar_tensor(debug.alpha, size);
    outputs[StudentOutput::kColorChange] = planar_tensor(debug.color_change, size);
    outputs[StudentOutput::kWarped] = planar_tensor(debug.warped, size);
    outputs[StudentOutput::kGridChange] = planar_tensor(debug.grid_change, size);
    outputs[StudentOutput::kFace] = face_tensor(debug.face);
  }
  return outputs;
}

void CudaStudentPoser::render_rgba8(const Pose& pose, Rgba8Image& out) {
  engine_->render_rgba8(pose);
  const int size = engine_->image_size();
  out.width = size;
  out.height = size;
  engine_->copy_rgba8_to_host(out.pixels);
}

std::string CudaStudentPoser::engine_description() const {
  return std::string("fused CUDA engine (") +
         (engine_->precision() == Precision::kQuality ? "quality, fp32" : "balanced, fp16") + ") on GPU " +
         std::to_string(device_);
}

}  // namespace tha4::gpu
