#include "inference/rotator_training/perceptual_loss.h"

#include "inference/util/errors.h"

namespace tha4::rotator_training {

torch::Tensor vgg_input(const torch::Tensor& image, bool alpha) {
  if (image.dim() != 4 || image.size(1) != 4) {
    throw Error("perceptual loss: expected (N, 4, H, W) RGBA images, got " + c10::str(image.sizes()));
  }
  const torch::Tensor view = alpha ? image.slice(1, 3, 4).expand({-1, 3, -1, -1}) : image.slice(1, 0, 3);
  const auto options = image.options().requires_grad(false);
  const torch::Tensor mean =
      torch::tensor({kImageNetMean[0], kImageNetMean[1], kImageNetMean[2]}, options).view({1, 3, 1, 1});
  const torch::Tensor std =
      torch::tensor({kImageNetStd[0], kImageNetStd[1], kImageNetStd[2]}, options).view({1, 3, 1, 1});
  return ((view + 1) * 0.5 - mean) / std;
}

torch::Tensor PerceptualLoss::term(const torch::Tensor& a, const torch::Tensor& b, bool alpha) const {
  if (a.sizes() != b.sizes()) {
    throw Error("perceptual loss: images of different shapes " + c10::str(a.sizes()) + " and " + c10::str(b.sizes()));
  }
  // One VGG pass over both images (batched), then the three mean absolute differences.
  const int64_t n = a.size(0);
  const std::array<torch::Tensor, 3> features =
      vgg_->forward(torch::cat({vgg_input(a, alpha), vgg_input(b, alpha)}, 0));
  torch::Tensor sum = torch::zeros({}, a.options());
  for (const torch::Tensor& phi : features) sum = sum + (phi.slice(0, 0, n) - phi.slice(0, n, 2 * n)).abs().mean();
  return sum;
}

torch::Tensor PerceptualLoss::stochastic(const torch::Tensor& a, const torch::Tensor& b) const {
  const bool rgb = torch::rand({1}, torch::kDouble).item<double>() < kRgbTermProbability;
  return rgb ? term(a, b, false) / kRgbTermProbability : term(a, b, true) / (1.0 - kRgbTermProbability);
}

}  // namespace tha4::rotator_training
