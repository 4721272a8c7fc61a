#include "inference/full/precision.h"

#include "inference/student/siren.h"
#include "inference/util/errors.h"

namespace tha4::full {
namespace {

bool is_float32_norm(const torch::nn::Module& module) {
  return dynamic_cast<const Float32GroupNormImpl*>(&module) != nullptr ||
         dynamic_cast<const Float32InstanceNorm2dImpl*>(&module) != nullptr;
}

}  // namespace

FullPrecision parse_full_precision(std::string_view name) {
  if (name == "fp32") return FullPrecision::kFloat32;
  if (name == "fp16") return FullPrecision::kFloat16;
  if (name == "bf16") return FullPrecision::kBFloat16;
  throw Error("unknown precision \"" + std::string(name) + "\" (use fp32, fp16 or bf16)");
}

std::string full_precision_name(FullPrecision precision) {
  switch (precision) {
    case FullPrecision::kFloat16: return "fp16";
    case FullPrecision::kBFloat16: return "bf16";
    case FullPrecision::kFloat32: break;
  }
  return "fp32";
}

torch::ScalarType full_precision_dtype(FullPrecision precision) {
  switch (precision) {
    case FullPrecision::kFloat16: return torch::kFloat16;
    case FullPrecision::kBFloat16: return torch::kBFloat16;
    case FullPrecision::kFloat32: break;
  }
  return torch::kFloat32;
}

void require_precision_supported(FullPrecision precision, const torch::Device& device) {
  if (precision == FullPrecision::kFloat16 && !device.is_cuda()) {
    throw Error("fp16 needs a CUDA device; use bf16 or fp32 on the CPU");
  }
}

void cast_to_precision(torch::nn::Module& module, FullPrecision precision) {
  module.to(full_precision_dtype(precision));
  if (precision == FullPrecision::kFloat32) return;
  for (const auto& child : module.modules()) {
    if (is_float32_norm(*child)) child->to(torch::kFloat32);
  }
}

torch::Tensor Float32GroupNormImpl::forward(const torch::Tensor& x) {
  return torch::nn::GroupNormImpl::forward(x.to(torch::kFloat32)).to(x.scalar_type());
}

Float32InstanceNorm2dImpl::Float32InstanceNorm2dImpl(int64_t channels, double eps)
    : weight(register_parameter("weight", torch::ones({channels}))),
      bias(register_parameter("bias", torch::zeros({channels}))),
      eps_(eps) {}

torch::Tensor Float32InstanceNorm2dImpl::forward(const torch::Tensor& x) {
  namespace F = torch::nn::functional;
  // Instance statistics in eval mode too, as InstanceNorm2d without running statistics.
  return F::instance_norm(x.to(torch::kFloat32), F::InstanceNormFuncOptions().weight(weight).bias(bias).eps(eps_))
      .to(x.scalar_type());
}

torch::Tensor warp_image_float32(const torch::Tensor& image, const torch::Tensor& grid_change) {
  return warp_image(image.to(torch::kFloat32), grid_change.to(torch::kFloat32)).to(image.scalar_type());
}

}  // namespace tha4::full
