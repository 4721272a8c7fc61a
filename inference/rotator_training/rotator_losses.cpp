#include "inference/rotator_training/rotator_losses.h"

#include "inference/full/full_poser.h"
#include "inference/util/errors.h"

namespace tha4::rotator_training {

torch::Tensor l1_term(const torch::Tensor& output, const torch::Tensor& target) {
  return (output - target).abs().mean();
}

torch::Tensor downscale_half(const torch::Tensor& image) { return full::resize_bilinear(image, image.size(-1) / 2); }

torch::Tensor stack_quadrants(const torch::Tensor& image) {
  const int64_t h = image.size(-2), w = image.size(-1);
  if (h % 2 != 0 || w % 2 != 0) throw Error("quadrants of an odd-sized image " + c10::str(image.sizes()));
  const torch::Tensor top = image.slice(-2, 0, h / 2), bottom = image.slice(-2, h / 2, h);
  return torch::cat(
      {top.slice(-1, 0, w / 2), top.slice(-1, w / 2, w), bottom.slice(-1, 0, w / 2), bottom.slice(-1, w / 2, w)}, 0);
}

torch::Tensor perceptual_term(PerceptualLoss& phi, const torch::Tensor& output, const torch::Tensor& target,
                              PerceptualEstimate estimate) {
  return estimate == PerceptualEstimate::kExact ? phi.exact(output, target) : phi.stochastic(output, target);
}

torch::Tensor half_term(PerceptualLoss& phi, const torch::Tensor& output, const torch::Tensor& target,
                        PerceptualEstimate estimate) {
  return perceptual_term(phi, downscale_half(output), downscale_half(target), estimate);
}

torch::Tensor quad_term(PerceptualLoss& phi, const torch::Tensor& output, const torch::Tensor& target,
                        PerceptualEstimate estimate) {
  return 4.0 * perceptual_term(phi, stack_quadrants(output), stack_quadrants(target), estimate);
}

}  // namespace tha4::rotator_training
