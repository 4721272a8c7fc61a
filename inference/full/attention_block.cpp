#include "inference/full/attention_block.h"

#include "inference/full/unet_res_block.h"

#include <cmath>

namespace tha4::full {
namespace nn = torch::nn;

torch::Tensor qkv_attention(const torch::Tensor& qkv, int64_t num_heads, bool new_order) {
  const int64_t batch = qkv.size(0);
  const int64_t length = qkv.size(2);
  const int64_t head_channels = qkv.size(1) / (3 * num_heads);
  const double scale = 1.0 / std::sqrt(std::sqrt(static_cast<double>(head_channels)));
  torch::Tensor q, k, v;
  if (new_order) {
    const auto parts = qkv.chunk(3, 1);
    q = (parts[0] * scale).view({batch * num_heads, head_channels, length});
    k = (parts[1] * scale).view({batch * num_heads, head_channels, length});
    v = parts[2].reshape({batch * num_heads, head_channels, length});
  } else {
    const auto parts = qkv.reshape({batch * num_heads, 3 * head_channels, length}).split(head_channels, 1);
    q = parts[0] * scale;
    k = parts[1] * scale;
    v = parts[2];
  }
  // The softmax in float32 (full/precision.h); a no-op cast in fp32.
  const torch::Tensor weight =
      torch::softmax(torch::einsum("bct,bcs->bts", {q, k}), -1, torch::kFloat32).to(v.scalar_type());
  return torch::einsum("bts,bcs->bct", {weight, v}).reshape({batch, num_heads * head_channels, length});
}

AttentionBlockImpl::AttentionBlockImpl(int64_t channels, const AttentionBlockConfig& config)
    : norm(register_module("norm", group_norm32(channels))),
      qkv(register_module("qkv", nn::Conv2d(nn::Conv2dOptions(channels, 3 * channels, 1).bias(true)))),
      conv(register_module("conv", nn::Conv2d(nn::Conv2dOptions(channels, channels, 1).bias(true)))),
      num_heads_(config.heads_for(channels)),
      use_new_attention_order_(config.use_new_attention_order) {}

torch::Tensor AttentionBlockImpl::forward(const torch::Tensor& x) {
  const int64_t batch = x.size(0);
  const int64_t channels = x.size(1);
  const torch::Tensor qkv_flat = qkv->forward(norm->forward(x)).reshape({batch, 3 * channels, x.size(2) * x.size(3)});
  const torch::Tensor h = qkv_attention(qkv_flat, num_heads_, use_new_attention_order_);
  return x + conv->forward(h.reshape(x.sizes()));
}

WrappedAttentionBlockImpl::WrappedAttentionBlockImpl(int64_t channels, const AttentionBlockConfig& config)
    : module(register_module("module", AttentionBlock(channels, config))) {}

}  // namespace tha4::full
