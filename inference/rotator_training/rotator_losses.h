#pragma once
// The loss terms of the body-rotator training (seed supplement §2.2–2.3), each a scalar:
//
//   L1(□)        = ‖I□ − Iposed‖₁ / (N·C·H·W)          the mean absolute difference. (The supplement writes the
//                                                        editor's phase-3 L1 without the 1/(C·H·W); we keep the
//                                                        mean there too, so λ_L1 = 1 weighs it as in phases 1–2.)
//   percept(□)   = Φ(I□, Iposed)                        at the training resolution
//   half(□)      = Φ(DOWN(I□), DOWN(Iposed))            DOWN: bilinear to half size, as mode_07 resizes
//   quad(□)      = Σ_{i=1..4} Φ(Qᵢ(I□), Qᵢ(Iposed))    Qᵢ: the four quadrants, each half size
//
// The quadrant term runs the four quadrants as one batch: Φ of a batch is the mean of its examples', so the
// sum over quadrants is 4 · Φ(stack of quadrants). With the stochastic estimator one coin serves the four.

#include "inference/rotator_training/perceptual_loss.h"

#include <torch/torch.h>

namespace tha4::rotator_training {

enum class PerceptualEstimate { kStochastic, kExact };

torch::Tensor l1_term(const torch::Tensor& output, const torch::Tensor& target);

// (N, C, S, S) -> (N, C, S/2, S/2), mode_07's bilinear resize.
torch::Tensor downscale_half(const torch::Tensor& image);
// (N, C, S, S) -> (4N, C, S/2, S/2): top-left, top-right, bottom-left, bottom-right, each a block of N.
torch::Tensor stack_quadrants(const torch::Tensor& image);

torch::Tensor perceptual_term(PerceptualLoss& phi, const torch::Tensor& output, const torch::Tensor& target,
                              PerceptualEstimate estimate);
torch::Tensor half_term(PerceptualLoss& phi, const torch::Tensor& output, const torch::Tensor& target,
                        PerceptualEstimate estimate);
torch::Tensor quad_term(PerceptualLoss& phi, const torch::Tensor& output, const torch::Tensor& target,
                        PerceptualEstimate estimate);

}  // namespace tha4::rotator_training
