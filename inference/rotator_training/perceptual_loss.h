#pragma once
// The perceptual content loss Φ of the body-rotator training (seed supplement §2.2):
//
//   Φ(I₁, I₂) = Σᵢ cᵢ (‖φᵢ(I₁ʳᵍᵇ) − φᵢ(I₂ʳᵍᵇ)‖₁ + ‖φᵢ(I₁ᵃᵃᵃ) − φᵢ(I₂ᵃᵃᵃ)‖₁),  i over relu1_2, relu2_2, relu3_3,
//
// cᵢ = 1 / numel(φᵢ): each term is the mean absolute feature difference (over the batch too, so a batch's Φ is
// the mean of its examples'). Iʳᵍᵇ drops the alpha channel, Iᵃᵃᵃ repeats alpha three times.
//
// THA4 images are premultiplied linear RGBA in [−1, 1] (spec §1.1); VGG16 wants an RGB image in [0, 1]
// normalised as torchvision does for ImageNet. So each 3-channel image x goes in as ((x + 1)/2 − mean)/std.
//
// The stochastic estimate flips one coin per evaluation with heads probability p = 3/4 (drawn from LibTorch's
// generator, so a resumed run draws the same coins): heads gives RGB/p = (4/3)·RGB, tails gives
// alpha/(1 − p) = 4·alpha. Its expectation is p·RGB/p + (1 − p)·alpha/(1 − p) = RGB + alpha = Φ.

#include "inference/rotator_training/vgg16_features.h"

#include <torch/torch.h>

namespace tha4::rotator_training {

inline constexpr double kRgbTermProbability = 0.75;

class PerceptualLoss {
 public:
  explicit PerceptualLoss(Vgg16Features vgg) : vgg_(std::move(vgg)) {}

  // Σᵢ cᵢ‖φᵢ(a′) − φᵢ(b′)‖₁ for the RGB (alpha = false) or the alpha (alpha = true) view of the (N, 4, H, W)
  // images a and b. The gradient flows into a (and into b if it wants one).
  torch::Tensor term(const torch::Tensor& a, const torch::Tensor& b, bool alpha) const;
  // Φ(a, b), both terms.
  torch::Tensor exact(const torch::Tensor& a, const torch::Tensor& b) const {
    return term(a, b, false) + term(a, b, true);
  }
  // The one-coin unbiased estimate of Φ(a, b) described above.
  torch::Tensor stochastic(const torch::Tensor& a, const torch::Tensor& b) const;

  Vgg16Features& vgg() { return vgg_; }

 private:
  mutable Vgg16Features vgg_;  // frozen; forward() is not const in LibTorch
};

// The VGG input of a THA4 image's RGB view (alpha = false) or alpha-repeated view (alpha = true).
torch::Tensor vgg_input(const torch::Tensor& image, bool alpha);

}  // namespace tha4::rotator_training
