#pragma once
// PoserEncoderDecoder00 (spec §4.2): conv3 block at full size, downsample blocks to the bottleneck, the
// pose tiled over the bottleneck and concatenated after the features, one conv3 block and ResnetBlocks,
// then upsample blocks back to full size. Keys `downsample_blocks.*`, `bottleneck_blocks.*`,
// `upsample_blocks.*`. FaceMorpher08 has the same layers at its top level, so it derives from this class.

#include "inference/full/full_system_config.h"

#include <torch/torch.h>

#include <string_view>

namespace tha4::full {

class PoserEncoderDecoderImpl : public torch::nn::Module {
 public:
  PoserEncoderDecoderImpl(const EncoderDecoderConfig& config, std::string_view network);  // network: for errors

  // The final (N, start_channels, S, S) feature map: the only element of the reference's output list
  // that THA4 uses. `pose` is (N, num_pose_params), or undefined when num_pose_params is 0.
  torch::Tensor features(const torch::Tensor& image, const torch::Tensor& pose = {});

  const EncoderDecoderConfig& encoder_decoder_config() const { return config_; }

  torch::nn::ModuleList downsample_blocks{nullptr};
  torch::nn::ModuleList bottleneck_blocks{nullptr};
  torch::nn::ModuleList upsample_blocks{nullptr};

 private:
  EncoderDecoderConfig config_;
};
TORCH_MODULE(PoserEncoderDecoder);

}  // namespace tha4::full
