#pragma once
// The full system's numeric precision: fp32 (the reference's), fp16 (CUDA only) or bf16. Reduced precision
// casts the networks' weights and the inputs to the dtype and the 33 outputs back to float32, so callers
// always see float32 tensors. Three kinds of operation stay in float32 because their results are fragile in
// 16 bits (the same choices as guided-diffusion's GroupNorm32 and the usual mixed-precision practice):
//  * GroupNorm and InstanceNorm (weights, statistics and the normalisation itself): means and variances over
//    up to 512² values per channel;
//  * the attention softmax: nearby logits of 256 tokens;
//  * warping by grid_sample: the sampling grid spans [-1, 1] over 512 pixels, and a 16-bit coordinate near ±1
//    is only good to 1/4 pixel in fp16 and 2 pixels in bf16.

#include <torch/torch.h>

#include <string>
#include <string_view>

namespace tha4::full {

enum class FullPrecision { kFloat32, kFloat16, kBFloat16 };

// "fp32", "fp16", "bf16" (the CLI's names); parse throws Error for anything else.
FullPrecision parse_full_precision(std::string_view name);
std::string full_precision_name(FullPrecision precision);
torch::ScalarType full_precision_dtype(FullPrecision precision);

// Throws Error when `device` cannot run `precision` (fp16 on the CPU: LibTorch's CPU convolutions have no
// fp16 kernels).
void require_precision_supported(FullPrecision precision, const torch::Device& device);

// Casts every parameter and buffer of `module` to `precision`'s dtype, except the normalisation layers below,
// which stay float32.
void cast_to_precision(torch::nn::Module& module, FullPrecision precision);

// GroupNorm / InstanceNorm2d that normalise in float32 (their weights stay float32) and return the input's
// dtype: identical to the stock modules in fp32, and the "norms in float32" rule in fp16 and bf16.
class Float32GroupNormImpl : public torch::nn::GroupNormImpl {
 public:
  explicit Float32GroupNormImpl(const torch::nn::GroupNormOptions& norm_options)
      : torch::nn::GroupNormImpl(norm_options) {}
  torch::Tensor forward(const torch::Tensor& x);
};
TORCH_MODULE(Float32GroupNorm);

// InstanceNorm2d(C, affine) without running statistics, keys `weight` and `bias`. Its own module rather than
// a subclass of torch::nn::InstanceNorm2dImpl: LibTorch 1.13 does not export the template base's members
// that a subclass's vtable needs.
class Float32InstanceNorm2dImpl : public torch::nn::Module {
 public:
  Float32InstanceNorm2dImpl(int64_t channels, double eps);
  torch::Tensor forward(const torch::Tensor& x);

  torch::Tensor weight, bias;

 private:
  double eps_;
};
TORCH_MODULE(Float32InstanceNorm2d);

// warp_image (student/siren.h) computed in float32 and returned in `image`'s dtype (see above).
torch::Tensor warp_image_float32(const torch::Tensor& image, const torch::Tensor& grid_change);

}  // namespace tha4::full
