#pragma once
// The U-Net's ResBlock (spec §4.4.2): GroupNorm(32) → SiLU → [resample] → conv0 → GroupNorm(32) → time
// scale-shift → pose scale-shift → SiLU → dropout (training only) → conv1, plus the (resampled, 1×1-projected
// if needed) input.
// Keys `norm0`, `conv0`, `cond0_layers.1`, `norm1`, `conv1`, `cond1_layers.1`, and `skip` when in ≠ out.

#include "inference/full/precision.h"

#include <torch/torch.h>

namespace tha4::full {

// The reference's GroupNorm32: min(32, C) groups, eps 1e-5, affine.
// Float32 in every precision (full/precision.h).
Float32GroupNorm group_norm32(int64_t channels);

enum class Resampling { kNone, kDown, kUp };

// AvgPool2d(2, 2) for kDown, nearest ×2 for kUp, the identity for kNone.
torch::Tensor resample(const torch::Tensor& x, Resampling mode);

// h · (condition_bias + scale) + shift, with scale and shift the two halves of `scale_shift` (N, 2C).
torch::Tensor apply_scale_shift(const torch::Tensor& h, const torch::Tensor& scale_shift, double condition_bias);

class UnetResBlockImpl : public torch::nn::Module {
 public:
  UnetResBlockImpl(int64_t in_channels, int64_t out_channels, int64_t cond_channels, Resampling resampling,
                   double condition_bias, double dropout_prob = 0);
  // time_embedding and pose_embedding: (N, cond_channels), the Unet's two conditioning vectors.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& time_embedding,
                        const torch::Tensor& pose_embedding);

  Float32GroupNorm norm0{nullptr};
  torch::nn::Conv2d conv0{nullptr};
  torch::nn::Sequential cond0_layers{nullptr};
  Float32GroupNorm norm1{nullptr};
  torch::nn::Conv2d conv1{nullptr};
  torch::nn::Sequential cond1_layers{nullptr};
  torch::nn::Conv2d skip{nullptr};  // null when in = out (the identity)

 private:
  Resampling resampling_;
  double condition_bias_;
  double dropout_prob_;  // before conv1, in training mode only (the reference's nn.Dropout)
};
TORCH_MODULE(UnetResBlock);

}  // namespace tha4::full
