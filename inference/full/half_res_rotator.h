#pragma once
// Morpher00, the half-resolution rotator ("body_morpher" in mode_07, spec §4.4.6): turns the head and body
// of the 256×256 face-morphed character for the 6 rotation and breathing parameters. Keys `body.*`.

#include "inference/full/full_system_config.h"
#include "inference/full/unet.h"
#include "inference/full/unet_heads.h"

#include <torch/torch.h>

#include <vector>

namespace tha4::full {

class HalfResRotatorImpl : public torch::nn::Module {
 public:
  explicit HalfResRotatorImpl(const HalfResRotatorConfig& config = UnetPoserConfig::official_half_res_rotator());
  // image (N, 4, S, S), pose (N, 6) -> [merged, alpha, warped, grid_change, direct] (UnetPoserOutput).
  std::vector<torch::Tensor> forward(const torch::Tensor& image, const torch::Tensor& pose);

  const HalfResRotatorConfig& config() const { return config_; }

  Unet body{nullptr};

 private:
  HalfResRotatorConfig config_;
};
TORCH_MODULE(HalfResRotator);

}  // namespace tha4::full
