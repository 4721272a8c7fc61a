#pragma once
// FaceMorpher08 (spec §4.3): the teacher's face morpher on the 192×192 face crop, driven by the 27
// eye, iris and mouth parameters. Its encoder–decoder layers sit at the module's top level (no `body.`).

#include "inference/full/full_system_config.h"
#include "inference/full/poser_encoder_decoder.h"

#include <torch/torch.h>

#include <vector>

namespace tha4::full {

enum class FaceMorpherOutput : int {
  kOutputImage = 0,
  kEyeAlpha,
  kEyeColorChange,
  kIrisMouthImage1,
  kIrisMouthAlpha,
  kIrisMouthColorChange,
  kIrisMouthImage0,
  kIrisMouthGridChange,
};
constexpr int kFaceMorpherOutputCount = 8;

class FaceMorpherImpl : public PoserEncoderDecoderImpl {
 public:
  // Throws Error when output_iris_mouth_grid_change is false (mode_07 always sets it).
  explicit FaceMorpherImpl(const FaceMorpherConfig& config = {});
  // image (N, 4, S, S), pose (N, 27) -> the eight outputs above.
  std::vector<torch::Tensor> forward(const torch::Tensor& image, const torch::Tensor& pose);

  const FaceMorpherConfig& config() const { return config_; }

  torch::nn::Conv2d iris_mouth_grid_change{nullptr};
  torch::nn::Sequential iris_mouth_color_change{nullptr};
  torch::nn::Sequential iris_mouth_alpha{nullptr};
  torch::nn::Sequential eye_color_change{nullptr};
  torch::nn::Sequential eye_alpha{nullptr};

 private:
  FaceMorpherConfig config_;
};
TORCH_MODULE(FaceMorpher);

}  // namespace tha4::full
