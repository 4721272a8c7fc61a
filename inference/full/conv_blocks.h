#pragma once
// Building blocks of the teacher's encoder–decoder networks (spec §4.1), with the reference's module
// structure so that the state-dict keys match: Sequential(conv, InstanceNorm, ReLU) blocks, the 3×3
// ResnetBlock, and the output heads. Also the image formulas the teacher networks share.

#include "inference/full/precision.h"

#include <torch/torch.h>

namespace tha4::full {

// InstanceNorm2d(C, affine=True) without running statistics: instance statistics in eval mode too. Float32
// in every precision (full/precision.h).
Float32InstanceNorm2d instance_norm(int64_t channels);

// ConvTranspose 4×4, stride 2, pad 1, no bias: key `weight` (in, out, 4, 4), initialised as ConvTranspose2d.
// On the CPU a bf16 input is upsampled in float32: LibTorch 1.13 has no bf16 transposed convolution on the
// CPU (neither oneDNN's nor the slow path: "slow_conv_transpose2d_out_cpu not implemented for BFloat16").
class TransposedConv4x4Impl : public torch::nn::Module {
 public:
  TransposedConv4x4Impl(int64_t in_channels, int64_t out_channels);
  torch::Tensor forward(const torch::Tensor& x);

  torch::Tensor weight;
};
TORCH_MODULE(TransposedConv4x4);

// Conv 3×3 (stride 1, pad 1, no bias) → InstanceNorm → ReLU. Keys `0.weight`, `1.weight`, `1.bias`.
torch::nn::Sequential conv3_block(int64_t in_channels, int64_t out_channels);
// Conv 4×4 (stride 2, pad 1, no bias) → InstanceNorm → ReLU: halves the resolution.
torch::nn::Sequential downsample_block(int64_t in_channels, int64_t out_channels);
// ConvTranspose 4×4 (stride 2, pad 1, no bias) → InstanceNorm → ReLU: doubles the resolution.
torch::nn::Sequential upsample_block(int64_t in_channels, int64_t out_channels);

// x + IN(conv3(ReLU(IN(conv3(x))))), no ReLU after the sum. Keys `resnet_path.{0,1,3,4}.*`.
class ResnetBlockImpl : public torch::nn::Module {
 public:
  explicit ResnetBlockImpl(int64_t channels);
  torch::Tensor forward(const torch::Tensor& x);

  torch::nn::Sequential resnet_path{nullptr};
};
TORCH_MODULE(ResnetBlock);

// Conv 3×3 with bias → sigmoid (keys `0.*`): an alpha head.
torch::nn::Sequential alpha_head(int64_t in_channels);
// Conv 3×3 with bias → tanh (keys `0.*`): a colour-change head.
torch::nn::Sequential color_change_head(int64_t in_channels, int64_t image_channels);
// Conv 3×3 to 2 channels, no bias, no activation (key `weight`): a grid-change head.
torch::nn::Conv2d grid_change_head(int64_t in_channels);

// color_change · alpha + image · (1 − alpha), on every channel (the reference's apply_color_change).
torch::Tensor apply_color_change(const torch::Tensor& alpha, const torch::Tensor& color_change,
                                 const torch::Tensor& image);
// The same blend on RGB only; the alpha channel is the *image's* (the reference's apply_rgb_change).
torch::Tensor apply_rgb_change(const torch::Tensor& alpha, const torch::Tensor& color_change,
                               const torch::Tensor& image);

}  // namespace tha4::full
