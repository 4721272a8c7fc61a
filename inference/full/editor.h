#pragma once
// Upscaler02, the editor ("upscaler" in mode_07, spec §4.4.6): refines the full-resolution result from the
// face-morphed image, the upsampled half-resolution result and its grid change. Keys `body.*` (a U-Net whose
// first convolution gets `coarse_image_conv`'s output added) and `coarse_image_conv.*`.

#include "inference/full/full_system_config.h"
#include "inference/full/unet.h"
#include "inference/full/unet_heads.h"

#include <torch/torch.h>

#include <vector>

namespace tha4::full {

class EditorImpl : public torch::nn::Module {
 public:
  explicit EditorImpl(const EditorConfig& config = UnetPoserConfig::official_editor());
  // rest_image, coarse_posed_image (N, 4, S, S), coarse_grid_change (N, 2, S, S), pose (N, 6)
  // -> [merged, alpha, warped, grid_change, direct] (UnetPoserOutput); the warps apply to rest_image.
  std::vector<torch::Tensor> forward(const torch::Tensor& rest_image, const torch::Tensor& coarse_posed_image,
                                     const torch::Tensor& coarse_grid_change, const torch::Tensor& pose);

  const EditorConfig& config() const { return config_; }

  Unet body{nullptr};
  torch::nn::Conv2d coarse_image_conv{nullptr};

 private:
  EditorConfig config_;
};
TORCH_MODULE(Editor);

}  // namespace tha4::full
