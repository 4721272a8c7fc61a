#pragma once
// How the two body networks read their U-Net's output (spec §4.4.6): channels [0, C) are a direct colour
// (no activation), [C, C+2) a grid change, C+2 the alpha logit.

#include <torch/torch.h>

#include <vector>

namespace tha4::full {

// Output indices of Morpher00 and Upscaler02 (the same five).
enum class UnetPoserOutput : int { kMerged = 0, kAlpha, kWarped, kGridChange, kDirect };
constexpr int kUnetPoserOutputCount = 5;

// [merged, alpha, warped, grid_change, direct] from the U-Net output, warping `image`:
// merged = direct · alpha + warp(image, grid_change) · (1 − alpha).
std::vector<torch::Tensor> unet_poser_outputs(const torch::Tensor& unet_output, const torch::Tensor& image);

}  // namespace tha4::full
