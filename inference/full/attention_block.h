#pragma once
// The U-Net's self-attention block (spec §4.4.2): GroupNorm(32) → 1×1 qkv conv → multi-head attention
// over the h·w positions → 1×1 output conv, added to the input. Keys `norm`, `qkv`, `conv`.

#include "inference/full/full_system_config.h"
#include "inference/full/precision.h"

#include <torch/torch.h>

namespace tha4::full {

class AttentionBlockImpl : public torch::nn::Module {
 public:
  AttentionBlockImpl(int64_t channels, const AttentionBlockConfig& config);
  torch::Tensor forward(const torch::Tensor& x);

  int64_t num_heads() const { return num_heads_; }

  Float32GroupNorm norm{nullptr};
  torch::nn::Conv2d qkv{nullptr};
  torch::nn::Conv2d conv{nullptr};

 private:
  int64_t num_heads_;
  bool use_new_attention_order_;
};
TORCH_MODULE(AttentionBlock);

// The reference wraps the middle attention blocks in Arity3To1, hence the keys `middle_blocks.k.module.*`.
class WrappedAttentionBlockImpl : public torch::nn::Module {
 public:
  WrappedAttentionBlockImpl(int64_t channels, const AttentionBlockConfig& config);
  torch::Tensor forward(const torch::Tensor& x) { return module->forward(x); }

  AttentionBlock module{nullptr};
};
TORCH_MODULE(WrappedAttentionBlock);

// Attention on qkv (B, 3·H·c, L) with H heads of c channels; returns (B, H·c, L). The new order (THA4's)
// splits q, k, v first and then the heads; the legacy order splits the heads first. q and k are each
// scaled by c^(-1/4). Same einsum calls as the reference, so the rounding is the reference's.
torch::Tensor qkv_attention(const torch::Tensor& qkv, int64_t num_heads, bool new_order);

}  // namespace tha4::full
