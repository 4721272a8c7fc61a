#pragma once
// EyebrowMorphingCombiner00 (spec §4.2): warps and recolours the eyebrow layer for the 12 eyebrow
// parameters and puts it back on the background.

#include "inference/full/full_system_config.h"
#include "inference/full/poser_encoder_decoder.h"

#include <torch/torch.h>

#include <vector>

namespace tha4::full {

enum class EyebrowMorphingCombinerOutput : int {
  kEyebrowImage = 0,
  kCombineAlpha,
  kEyebrowImageNoCombineAlpha,  // the one mode_07 passes on
  kMorphedEyebrowLayer,
  kMorphedEyebrowLayerAlpha,
  kMorphedEyebrowLayerColorChange,
  kWarpedEyebrowLayer,
  kMorphedEyebrowLayerGridChange,
};
constexpr int kEyebrowMorphingCombinerOutputCount = 8;

class EyebrowMorphingCombinerImpl : public torch::nn::Module {
 public:
  explicit EyebrowMorphingCombinerImpl(const EyebrowMorphingCombinerConfig& config = {});
  // background_layer, eyebrow_layer (N, 4, S, S), pose (N, 12) -> the eight outputs above.
  std::vector<torch::Tensor> forward(const torch::Tensor& background_layer, const torch::Tensor& eyebrow_layer,
                                     const torch::Tensor& pose);

  const EyebrowMorphingCombinerConfig& config() const { return config_; }

  PoserEncoderDecoder body{nullptr};
  torch::nn::Conv2d morphed_eyebrow_layer_grid_change{nullptr};
  torch::nn::Sequential morphed_eyebrow_layer_alpha{nullptr};
  torch::nn::Sequential morphed_eyebrow_layer_color_change{nullptr};
  torch::nn::Sequential combine_alpha{nullptr};

 private:
  EyebrowMorphingCombinerConfig config_;
};
TORCH_MODULE(EyebrowMorphingCombiner);

}  // namespace tha4::full
