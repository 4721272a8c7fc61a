#include "inference/full/unet.h"

#include "inference/full/attention_block.h"

#include <cmath>

namespace tha4::full {
namespace {
namespace nn = torch::nn;

nn::Conv2d conv3(int64_t in_channels, int64_t out_channels) {
  return nn::Conv2d(nn::Conv2dOptions(in_channels, out_channels, 3).stride(1).padding(1).bias(true));
}

UnetResBlock res_block(const UnetConfig& config, int64_t in_channels, int64_t out_channels,
                       Resampling resampling = Resampling::kNone) {
  return UnetResBlock(in_channels, out_channels, config.cond_internal_channels, resampling, config.condition_bias,
                      config.dropout_prob);
}

bool uses_attention(const UnetConfig& config, int64_t level) {
  return config.level_use_attention[static_cast<std::size_t>(level)];
}

}  // namespace

torch::Tensor TimestepEmbeddingImpl::forward(const torch::Tensor& t) {
  // The reference's op sequence: a float32 arange-based frequency row times t, then cos and sin.
  const int64_t half = channels_ / 2;
  const double scale = -std::log(10000.0) / static_cast<double>(half - 1);
  const torch::Tensor log_times = torch::arange(0, half, torch::TensorOptions(torch::kLong).device(t.device())) * scale;
  const torch::Tensor times = torch::exp(log_times).reshape({1, half}) * t;
  torch::Tensor embedding = torch::cat({torch::cos(times), torch::sin(times)}, 1);
  if (channels_ % 2 == 1) embedding = torch::constant_pad_nd(embedding, {1, 1}, 0);
  return embedding.to(t.scalar_type());  // the float32 row promotes a 16-bit t; the MLP after it runs in t's dtype
}

UnetDownBlockImpl::UnetDownBlockImpl(const UnetConfig& config, int64_t level, int64_t in_channels)
    : res_blocks(register_module("res_blocks", nn::ModuleList())),
      attention_blocks(register_module("attention_blocks", nn::ModuleList())) {
  const int64_t out = config.level_channels(level);
  for (int64_t j = 0; j < config.num_res_blocks_per_level; ++j) {
    res_blocks->push_back(res_block(config, j == 0 ? in_channels : out, out));
    if (uses_attention(config, level)) attention_blocks->push_back(AttentionBlock(out, config.attention));
  }
  if (level + 1 < config.num_levels()) {
    downsample = register_module("downsample", res_block(config, out, out, Resampling::kDown));
  }
}

std::vector<torch::Tensor> UnetDownBlockImpl::forward(torch::Tensor h, const torch::Tensor& time_embedding,
                                                      const torch::Tensor& pose_embedding) {
  std::vector<torch::Tensor> outputs;
  for (std::size_t i = 0; i < res_blocks->size(); ++i) {
    h = res_blocks[i]->as<UnetResBlock>()->forward(h, time_embedding, pose_embedding);
    if (!attention_blocks->is_empty()) h = attention_blocks[i]->as<AttentionBlock>()->forward(h);
    outputs.push_back(h);
  }
  if (downsample) outputs.push_back(downsample->forward(h, time_embedding, pose_embedding));
  return outputs;
}

std::vector<int64_t> UnetDownBlockImpl::output_channels() const {
  std::vector<int64_t> channels;
  for (const auto& block : *res_blocks) channels.push_back(block->as<UnetResBlock>()->conv0->options.out_channels());
  if (downsample) channels.push_back(downsample->conv0->options.out_channels());
  return channels;
}

UnetUpBlockImpl::UnetUpBlockImpl(const UnetConfig& config, int64_t level, int64_t in_channels,
                                 const std::vector<int64_t>& skip_channels)
    : resnet_blocks(register_module("resnet_blocks", nn::ModuleList())),
      attention_blocks(register_module("attention_blocks", nn::ModuleList())) {
  const int64_t out = config.level_channels(level);
  for (std::size_t i = 0; i < skip_channels.size(); ++i) {
    resnet_blocks->push_back(res_block(config, (i == 0 ? in_channels : out) + skip_channels[i], out));
    if (uses_attention(config, level)) attention_blocks->push_back(AttentionBlock(out, config.attention));
  }
  if (level > 0) upsample = register_module("upsample", res_block(config, out, out, Resampling::kUp));
}

torch::Tensor UnetUpBlockImpl::forward(torch::Tensor h, const std::vector<torch::Tensor>& skips,
                                       const torch::Tensor& time_embedding, const torch::Tensor& pose_embedding) {
  for (std::size_t i = 0; i < resnet_blocks->size(); ++i) {
    h = resnet_blocks[i]->as<UnetResBlock>()->forward(torch::cat({h, skips[i]}, 1), time_embedding, pose_embedding);
    if (!attention_blocks->is_empty()) h = attention_blocks[i]->as<AttentionBlock>()->forward(h);
  }
  if (upsample) h = upsample->forward(h, time_embedding, pose_embedding);
  return h;
}

UnetImpl::UnetImpl(const UnetConfig& config, std::string_view network) : config_(config) {
  config_.validate(network);
  const int64_t internal = config_.cond_internal_channels;
  time_embed = register_module("time_embed", nn::Sequential(TimestepEmbedding(config_.time_channels()),
                                                            nn::Linear(config_.time_channels(), internal), nn::SiLU(),
                                                            nn::Linear(internal, internal)));
  cond_embed = register_module("cond_embed", nn::Sequential(nn::Linear(config_.cond_input_channels, internal),
                                                            nn::SiLU(), nn::Linear(internal, internal)));
  first_conv = register_module("first_conv", conv3(config_.in_channels, config_.model_channels));

  // Channels of every tensor the down path keeps for the skips, in push order.
  std::vector<int64_t> skip_channels{config_.model_channels};
  int64_t current = config_.model_channels;
  down_blocks = register_module("down_blocks", nn::ModuleList());
  for (int64_t level = 0; level < config_.num_levels(); ++level) {
    UnetDownBlock block(config_, level, current);
    for (const int64_t channels : block->output_channels()) skip_channels.push_back(channels);
    down_blocks->push_back(block);
    current = config_.level_channels(level);
  }

  middle_blocks = register_module("middle_blocks", nn::ModuleList());
  for (int64_t i = 0; i + 1 < config_.num_middle_res_blocks; ++i) {
    middle_blocks->push_back(res_block(config_, current, current));
    middle_blocks->push_back(WrappedAttentionBlock(current, config_.attention));
  }
  middle_blocks->push_back(res_block(config_, current, current));

  up_blocks = register_module("up_blocks", nn::ModuleList());
  for (int64_t level = config_.num_levels() - 1; level >= 0; --level) {
    std::vector<int64_t> skips;
    for (int64_t j = 0; j <= config_.num_res_blocks_per_level; ++j) {
      skips.push_back(skip_channels.back());
      skip_channels.pop_back();
    }
    up_blocks->push_back(UnetUpBlock(config_, level, current, skips));
    current = config_.level_channels(level);
  }

  last =
      register_module("last", nn::Sequential(group_norm32(current), nn::SiLU(), conv3(current, config_.out_channels)));
}

torch::Tensor UnetImpl::forward(const torch::Tensor& x, const torch::Tensor& t, const torch::Tensor& cond,
                                const torch::Tensor& first_conv_addition) {
  const torch::Tensor time_embedding = time_embed->forward(t);
  const torch::Tensor pose_embedding = cond_embed->forward(cond);
  torch::Tensor first = first_conv->forward(x);
  if (first_conv_addition.defined()) first = first + first_conv_addition;
  std::vector<torch::Tensor> hs{first};
  for (const auto& block : *down_blocks) {
    for (auto& h : block->as<UnetDownBlock>()->forward(hs.back(), time_embedding, pose_embedding)) {
      hs.push_back(std::move(h));
    }
  }
  torch::Tensor h = hs.back();
  for (const auto& block : *middle_blocks) {
    if (auto* res = block->as<UnetResBlock>()) {
      h = res->forward(h, time_embedding, pose_embedding);
    } else {
      h = block->as<WrappedAttentionBlock>()->forward(h);
    }
  }
  for (const auto& block : *up_blocks) {
    std::vector<torch::Tensor> skips;  // popped last-in first-out
    for (int64_t j = 0; j <= config_.num_res_blocks_per_level; ++j) {
      skips.push_back(hs.back());
      hs.pop_back();
    }
    h = block->as<UnetUpBlock>()->forward(h, skips, time_embedding, pose_embedding);
  }
  return last->forward(h);
}

}  // namespace tha4::full
