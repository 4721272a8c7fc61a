#pragma once
// EyebrowDecomposer00 (spec §4.2): splits the 128×128 eyebrow crop into an eyebrow layer and a background.

#include "inference/full/full_system_config.h"
#include "inference/full/poser_encoder_decoder.h"

#include <torch/torch.h>

#include <vector>

namespace tha4::full {

// Output indices, in the reference's list order.
enum class EyebrowDecomposerOutput : int {
  kEyebrowLayer = 0,
  kEyebrowLayerAlpha,
  kEyebrowLayerColorChange,
  kBackgroundLayer,
  kBackgroundLayerAlpha,
  kBackgroundLayerColorChange,
};
constexpr int kEyebrowDecomposerOutputCount = 6;

class EyebrowDecomposerImpl : public torch::nn::Module {
 public:
  explicit EyebrowDecomposerImpl(const EyebrowDecomposerConfig& config = {});
  // image (N, 4, S, S) -> the six outputs above.
  std::vector<torch::Tensor> forward(const torch::Tensor& image);

  const EyebrowDecomposerConfig& config() const { return config_; }

  PoserEncoderDecoder body{nullptr};
  torch::nn::Sequential background_layer_alpha{nullptr};
  torch::nn::Sequential background_layer_color_change{nullptr};
  torch::nn::Sequential eyebrow_layer_alpha{nullptr};
  torch::nn::Sequential eyebrow_layer_color_change{nullptr};

 private:
  EyebrowDecomposerConfig config_;
};
TORCH_MODULE(EyebrowDecomposer);

}  // namespace tha4::full
