#include "inference/full/poser_encoder_decoder.h"

#include "inference/full/conv_blocks.h"

namespace tha4::full {

PoserEncoderDecoderImpl::PoserEncoderDecoderImpl(const EncoderDecoderConfig& config, std::string_view network)
    : downsample_blocks(register_module("downsample_blocks", torch::nn::ModuleList())),
      bottleneck_blocks(register_module("bottleneck_blocks", torch::nn::ModuleList())),
      upsample_blocks(register_module("upsample_blocks", torch::nn::ModuleList())),
      config_(config) {
  config_.validate(network);
  const EncoderFields& encoder = config_.encoder;
  // The first block keeps start_channels even when max_channels is smaller (as the reference does).
  downsample_blocks->push_back(conv3_block(config_.input_image_channels, encoder.start_channels));
  int64_t size = encoder.image_size;
  int64_t channels = encoder.start_channels;
  while (size > encoder.bottleneck_image_size) {
    const int64_t next = encoder.channels_at(size / 2);
    downsample_blocks->push_back(downsample_block(channels, next));
    size /= 2;
    channels = next;
  }
  bottleneck_blocks->push_back(conv3_block(channels + config_.num_pose_params, channels));
  for (int64_t i = 1; i < encoder.num_bottleneck_blocks; ++i) bottleneck_blocks->push_back(ResnetBlock(channels));
  while (size < encoder.image_size) {
    const int64_t next = encoder.channels_at(size * 2);
    upsample_blocks->push_back(upsample_block(channels, next));
    size *= 2;
    channels = next;
  }
}

torch::Tensor PoserEncoderDecoderImpl::features(const torch::Tensor& image, const torch::Tensor& pose) {
  torch::Tensor x = image;
  for (const auto& block : *downsample_blocks) x = block->as<torch::nn::Sequential>()->forward(x);
  if (config_.num_pose_params > 0) {
    const int64_t bottleneck = config_.encoder.bottleneck_image_size;
    const torch::Tensor tiled = pose.view({pose.size(0), pose.size(1), 1, 1}).repeat({1, 1, bottleneck, bottleneck});
    x = torch::cat({x, tiled}, 1);  // features first, then the pose
  }
  for (std::size_t i = 0; i < bottleneck_blocks->size(); ++i) {
    x = i == 0 ? bottleneck_blocks[i]->as<torch::nn::Sequential>()->forward(x)
               : bottleneck_blocks[i]->as<ResnetBlock>()->forward(x);
  }
  for (const auto& block : *upsample_blocks) x = block->as<torch::nn::Sequential>()->forward(x);
  return x;
}

}  // namespace tha4::full
