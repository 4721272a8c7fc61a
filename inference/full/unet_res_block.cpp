#include "inference/full/unet_res_block.h"

#include <algorithm>

namespace tha4::full {
namespace {
namespace nn = torch::nn;
namespace F = torch::nn::functional;

nn::Conv2d conv3(int64_t in_channels, int64_t out_channels) {
  return nn::Conv2d(nn::Conv2dOptions(in_channels, out_channels, 3).stride(1).padding(1).bias(true));
}

// SiLU then Linear: the SiLU is applied to the embedding inside every block (spec §8.9).
nn::Sequential conditioning(int64_t cond_channels, int64_t out_channels) {
  return nn::Sequential(nn::SiLU(), nn::Linear(cond_channels, 2 * out_channels));
}

}  // namespace

Float32GroupNorm group_norm32(int64_t channels) {
  return Float32GroupNorm(nn::GroupNormOptions(std::min<int64_t>(32, channels), channels).eps(1e-5).affine(true));
}

torch::Tensor resample(const torch::Tensor& x, Resampling mode) {
  switch (mode) {
    case Resampling::kDown: return F::avg_pool2d(x, F::AvgPool2dFuncOptions(2).stride(2));
    case Resampling::kUp:
      return F::interpolate(
          x, F::InterpolateFuncOptions().scale_factor(std::vector<double>{2.0, 2.0}).mode(torch::kNearest));
    case Resampling::kNone: break;
  }
  return x;
}

torch::Tensor apply_scale_shift(const torch::Tensor& h, const torch::Tensor& scale_shift, double condition_bias) {
  const torch::Tensor reshaped = scale_shift.reshape({scale_shift.size(0), scale_shift.size(1), 1, 1});
  const auto halves = torch::chunk(reshaped, 2, 1);
  return h * (halves[0] + condition_bias) + halves[1];
}

UnetResBlockImpl::UnetResBlockImpl(int64_t in_channels, int64_t out_channels, int64_t cond_channels,
                                   Resampling resampling, double condition_bias, double dropout_prob)
    : norm0(register_module("norm0", group_norm32(in_channels))),
      conv0(register_module("conv0", conv3(in_channels, out_channels))),
      cond0_layers(register_module("cond0_layers", conditioning(cond_channels, out_channels))),
      norm1(register_module("norm1", group_norm32(out_channels))),
      conv1(register_module("conv1", conv3(out_channels, out_channels))),
      // The reference declares this one with cond0's width too; both are cond_internal_channels.
      cond1_layers(register_module("cond1_layers", conditioning(cond_channels, out_channels))),
      resampling_(resampling),
      condition_bias_(condition_bias),
      dropout_prob_(dropout_prob) {
  if (in_channels != out_channels) {
    skip = register_module("skip", nn::Conv2d(nn::Conv2dOptions(in_channels, out_channels, 1).bias(true)));
  }
}

torch::Tensor UnetResBlockImpl::forward(const torch::Tensor& x, const torch::Tensor& time_embedding,
                                        const torch::Tensor& pose_embedding) {
  torch::Tensor h = conv0->forward(resample(torch::silu(norm0->forward(x)), resampling_));
  h = norm1->forward(h);
  h = apply_scale_shift(h, cond0_layers->forward(time_embedding), condition_bias_);  // time first,
  h = apply_scale_shift(h, cond1_layers->forward(pose_embedding), condition_bias_);  // then the pose
  h = conv1->forward(torch::dropout(torch::silu(h), dropout_prob_, is_training()));  // the identity in eval mode
  const torch::Tensor shortcut = resample(x, resampling_);
  return (skip ? skip->forward(shortcut) : shortcut) + h;
}

}  // namespace tha4::full
