#pragma once
// The U-Net with attention of the two body networks (spec §4.4.3): the reference's Unet and
// UnetWithFirstConvAddition in one class (same keys; the editor adds a tensor to the first conv's output).

#include "inference/full/full_system_config.h"
#include "inference/full/unet_res_block.h"

#include <torch/torch.h>

#include <string_view>
#include <vector>

namespace tha4::full {

// The sinusoidal embedding of t (N, 1) with `channels` channels: [cos(t·f), sin(t·f)], f_i =
// exp(−ln(10000)·i/(half − 1)). THA4 always passes t = 0, which gives [1…1, 0…0]: not zero, so the time
// MLP turns it into a learned constant that every ResBlock uses.
class TimestepEmbeddingImpl : public torch::nn::Module {
 public:
  explicit TimestepEmbeddingImpl(int64_t channels) : channels_(channels) {}
  torch::Tensor forward(const torch::Tensor& t);

 private:
  int64_t channels_;
};
TORCH_MODULE(TimestepEmbedding);

// DownsamplingBlock: `res_blocks` (each followed by its attention block on attention levels), then
// `downsample` on every level but the last. Returns every output the up path takes as a skip.
class UnetDownBlockImpl : public torch::nn::Module {
 public:
  UnetDownBlockImpl(const UnetConfig& config, int64_t level, int64_t in_channels);
  std::vector<torch::Tensor> forward(torch::Tensor h, const torch::Tensor& time_embedding,
                                     const torch::Tensor& pose_embedding);
  std::vector<int64_t> output_channels() const;

  torch::nn::ModuleList res_blocks{nullptr};
  torch::nn::ModuleList attention_blocks{nullptr};
  UnetResBlock downsample{nullptr};  // none on the last level
};
TORCH_MODULE(UnetDownBlock);

// UpsamplingBlock: `resnet_blocks` on cat([h, skip]) (h first), each followed by its attention block on
// attention levels, then `upsample` on every level but the first.
class UnetUpBlockImpl : public torch::nn::Module {
 public:
  UnetUpBlockImpl(const UnetConfig& config, int64_t level, int64_t in_channels,
                  const std::vector<int64_t>& skip_channels);
  torch::Tensor forward(torch::Tensor h, const std::vector<torch::Tensor>& skips, const torch::Tensor& time_embedding,
                        const torch::Tensor& pose_embedding);

  torch::nn::ModuleList resnet_blocks{nullptr};
  torch::nn::ModuleList attention_blocks{nullptr};
  UnetResBlock upsample{nullptr};  // none on level 0
};
TORCH_MODULE(UnetUpBlock);

class UnetImpl : public torch::nn::Module {
 public:
  explicit UnetImpl(const UnetConfig& config, std::string_view network = "unet");
  // x (N, in, H, W), t (N, 1), cond (N, cond_input_channels); first_conv_addition (N, model_channels, H, W)
  // or undefined. Returns (N, out_channels, H, W).
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& t, const torch::Tensor& cond,
                        const torch::Tensor& first_conv_addition = {});

  const UnetConfig& config() const { return config_; }

  torch::nn::Sequential time_embed{nullptr};
  torch::nn::Sequential cond_embed{nullptr};
  torch::nn::Conv2d first_conv{nullptr};
  torch::nn::ModuleList down_blocks{nullptr};
  torch::nn::ModuleList middle_blocks{nullptr};
  torch::nn::ModuleList up_blocks{nullptr};
  torch::nn::Sequential last{nullptr};

 private:
  UnetConfig config_;
};
TORCH_MODULE(Unet);

}  // namespace tha4::full
