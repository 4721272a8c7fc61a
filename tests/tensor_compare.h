#pragma once
// Differences between two tensors of the same shape, on any device (both are brought to the CPU): what the
// parity tests assert on.

#include <torch/torch.h>

#include <algorithm>
#include <cmath>

namespace tha4::test {

inline torch::Tensor cpu_difference(const torch::Tensor& a, const torch::Tensor& b) {
  return a.to(torch::kCPU) - b.to(torch::kCPU);
}

inline double max_abs(const torch::Tensor& a, const torch::Tensor& b) {
  return cpu_difference(a, b).abs().max().item<double>();
}

inline double mean_abs(const torch::Tensor& a, const torch::Tensor& b) {
  return cpu_difference(a, b).abs().mean().item<double>();
}

// PSNR over the [-1, 1] range (peak-to-peak 2), as the CUDA engine's tests measure it.
inline double psnr_db(const torch::Tensor& a, const torch::Tensor& b) {
  const double mse = cpu_difference(a, b).pow(2).mean().item<double>();
  return 10.0 * std::log10(4.0 / std::max(mse, 1e-30));
}

}  // namespace tha4::test
