#pragma once
// SIREN building blocks of the student model (spec §3.2), as LibTorch modules whose parameter names
// equal the official state-dict keys. These are the *reference path*: the same ATen operations as the
// reference implementation (1×1 conv2d, then sin(30·x)), so results match it to the last bits.

#include <torch/torch.h>

namespace tha4 {

// sin(ω0 · (W·x + b)) with ω0 = 30 for every layer, the first included; the conv is named `linear`.
class SineLinearLayerImpl : public torch::nn::Module {
 public:
  static constexpr double kOmega0 = 30.0;

  SineLinearLayerImpl(int64_t in_channels, int64_t out_channels);
  torch::Tensor forward(const torch::Tensor& x);

  torch::nn::Conv2d linear{nullptr};
};
TORCH_MODULE(SineLinearLayer);

// A 1×1 convolution with bias: the per-pixel linear map of every SIREN layer.
torch::nn::Conv2d pixelwise_linear(int64_t in_channels, int64_t out_channels);

// The reference's position grid (spec §3.3): affine_grid of the identity, align_corners=False, as
// (n, 2, size, size) with channel 0 = x (along W) and channel 1 = y (along H). Bit-identical.
torch::Tensor position_grid(int64_t n, int64_t size, const torch::Device& device);

// The pose (n, p) repeated over every pixel: (n, p, size, size).
torch::Tensor pose_image(const torch::Tensor& pose, int64_t size);

// warp(img, Δ) of spec §3.6: grid_sample at identity + Δ, bilinear, border padding, align_corners=False.
torch::Tensor warp_image(const torch::Tensor& image, const torch::Tensor& grid_change);

}  // namespace tha4
