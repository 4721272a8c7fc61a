#include "inference/student/siren.h"

namespace tha4 {
namespace {
namespace F = torch::nn::functional;

torch::Tensor identity_theta(int64_t n, const torch::Device& device) {
  return torch::tensor({1.0f, 0.0f, 0.0f, 0.0f, 1.0f, 0.0f}, torch::TensorOptions(device))
      .view({1, 2, 3})
      .repeat({n, 1, 1});
}
}  // namespace

torch::nn::Conv2d pixelwise_linear(int64_t in_channels, int64_t out_channels) {
  return torch::nn::Conv2d(torch::nn::Conv2dOptions(in_channels, out_channels, 1).stride(1).padding(0).bias(true));
}

SineLinearLayerImpl::SineLinearLayerImpl(int64_t in_channels, int64_t out_channels)
    : linear(register_module("linear", pixelwise_linear(in_channels, out_channels))) {}

torch::Tensor SineLinearLayerImpl::forward(const torch::Tensor& x) {
  // Same op order as the reference: torch.sin(omega_0 * linear(x)).
  return torch::sin(linear->forward(x) * kOmega0);
}

torch::Tensor position_grid(int64_t n, int64_t size, const torch::Device& device) {
  const torch::Tensor grid = torch::affine_grid_generator(identity_theta(1, device), {1, 1, size, size}, false);
  return grid.view({1, size * size, 2}).transpose(1, 2).reshape({1, 2, size, size}).repeat({n, 1, 1, 1});
}

torch::Tensor pose_image(const torch::Tensor& pose, int64_t size) {
  return pose.view({pose.size(0), pose.size(1), 1, 1}).repeat({1, 1, size, size});
}

torch::Tensor warp_image(const torch::Tensor& image, const torch::Tensor& grid_change) {
  const int64_t n = image.size(0);
  const int64_t c = image.size(1);
  const int64_t h = image.size(2);
  const int64_t w = image.size(3);
  const torch::Tensor change = grid_change.view({n, 2, h * w}).transpose(1, 2).view({n, h, w, 2});
  const torch::Tensor base =
      torch::affine_grid_generator(identity_theta(n, image.device()).to(grid_change.dtype()), {n, c, h, w}, false);
  return F::grid_sample(
      image, base + change,
      F::GridSampleFuncOptions().mode(torch::kBilinear).padding_mode(torch::kBorder).align_corners(false));
}

}  // namespace tha4
