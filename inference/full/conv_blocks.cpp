#include "inference/full/conv_blocks.h"

namespace tha4::full {
namespace {
namespace nn = torch::nn;

nn::Conv2d conv3(int64_t in_channels, int64_t out_channels, bool bias) {
  return nn::Conv2d(nn::Conv2dOptions(in_channels, out_channels, 3).stride(1).padding(1).bias(bias));
}

nn::Sequential normalised_block(nn::AnyModule conv, int64_t out_channels) {
  nn::Sequential block;
  block->push_back(std::move(conv));
  block->push_back(instance_norm(out_channels));
  block->push_back(nn::ReLU());
  return block;
}

}  // namespace

Float32InstanceNorm2d instance_norm(int64_t channels) { return Float32InstanceNorm2d(channels, 1e-5); }

nn::Sequential conv3_block(int64_t in_channels, int64_t out_channels) {
  return normalised_block(nn::AnyModule(conv3(in_channels, out_channels, false)), out_channels);
}

nn::Sequential downsample_block(int64_t in_channels, int64_t out_channels) {
  return normalised_block(
      nn::AnyModule(nn::Conv2d(nn::Conv2dOptions(in_channels, out_channels, 4).stride(2).padding(1).bias(false))),
      out_channels);
}

nn::Sequential upsample_block(int64_t in_channels, int64_t out_channels) {
  return normalised_block(nn::AnyModule(TransposedConv4x4(in_channels, out_channels)), out_channels);
}

TransposedConv4x4Impl::TransposedConv4x4Impl(int64_t in_channels, int64_t out_channels)
    // ConvTranspose2d's own initialisation, so that seeded random networks stay what they were.
    : weight(register_parameter(
          "weight", nn::ConvTranspose2d(nn::ConvTranspose2dOptions(in_channels, out_channels, 4).bias(false))
                        ->weight.detach()
                        .clone())) {}

torch::Tensor TransposedConv4x4Impl::forward(const torch::Tensor& x) {
  namespace F = torch::nn::functional;
  const auto options = F::ConvTranspose2dFuncOptions().stride(2).padding(1);
  if (x.scalar_type() == torch::kBFloat16 && x.device().is_cpu()) {
    return F::conv_transpose2d(x.to(torch::kFloat32), weight.to(torch::kFloat32), options).to(torch::kBFloat16);
  }
  return F::conv_transpose2d(x, weight, options);
}

ResnetBlockImpl::ResnetBlockImpl(int64_t channels) : resnet_path(register_module("resnet_path", nn::Sequential())) {
  resnet_path->push_back(conv3(channels, channels, false));
  resnet_path->push_back(instance_norm(channels));
  resnet_path->push_back(nn::ReLU());
  resnet_path->push_back(conv3(channels, channels, false));
  resnet_path->push_back(instance_norm(channels));
}

torch::Tensor ResnetBlockImpl::forward(const torch::Tensor& x) { return x + resnet_path->forward(x); }

nn::Sequential alpha_head(int64_t in_channels) { return nn::Sequential(conv3(in_channels, 1, true), nn::Sigmoid()); }

nn::Sequential color_change_head(int64_t in_channels, int64_t image_channels) {
  return nn::Sequential(conv3(in_channels, image_channels, true), nn::Tanh());
}

nn::Conv2d grid_change_head(int64_t in_channels) { return conv3(in_channels, 2, false); }

torch::Tensor apply_color_change(const torch::Tensor& alpha, const torch::Tensor& color_change,
                                 const torch::Tensor& image) {
  return color_change * alpha + image * (1 - alpha);
}

torch::Tensor apply_rgb_change(const torch::Tensor& alpha, const torch::Tensor& color_change,
                               const torch::Tensor& image) {
  const torch::Tensor rgb = color_change.slice(1, 0, 3) * alpha + image.slice(1, 0, 3) * (1 - alpha);
  return torch::cat({rgb, image.slice(1, 3, 4)}, 1);
}

}  // namespace tha4::full
