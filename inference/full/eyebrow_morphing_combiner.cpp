#include "inference/full/eyebrow_morphing_combiner.h"

#include "inference/full/conv_blocks.h"
#include "inference/full/precision.h"
#include "inference/full/shape_checks.h"
#include "inference/full/teacher_networks.h"

namespace tha4::full {
namespace {
constexpr std::string_view kNetwork = names_of(TeacherNetwork::kEyebrowMorphingCombiner).reference_module;
}  // namespace

EyebrowMorphingCombinerImpl::EyebrowMorphingCombinerImpl(const EyebrowMorphingCombinerConfig& config)
    : body(register_module("body", PoserEncoderDecoder(config.encoder_decoder(), kNetwork))),
      morphed_eyebrow_layer_grid_change(
          register_module("morphed_eyebrow_layer_grid_change", grid_change_head(config.encoder.start_channels))),
      morphed_eyebrow_layer_alpha(
          register_module("morphed_eyebrow_layer_alpha", alpha_head(config.encoder.start_channels))),
      morphed_eyebrow_layer_color_change(
          register_module("morphed_eyebrow_layer_color_change",
                          color_change_head(config.encoder.start_channels, config.encoder.image_channels))),
      combine_alpha(register_module("combine_alpha", alpha_head(config.encoder.start_channels))),
      config_(config) {}

std::vector<torch::Tensor> EyebrowMorphingCombinerImpl::forward(const torch::Tensor& background_layer,
                                                                const torch::Tensor& eyebrow_layer,
                                                                const torch::Tensor& pose) {
  const int64_t size = config_.encoder.image_size;
  check_shape(background_layer, {-1, config_.encoder.image_channels, size, size}, kNetwork, "a background layer");
  const int64_t batch = background_layer.size(0);
  check_shape(eyebrow_layer, {batch, config_.encoder.image_channels, size, size}, kNetwork, "an eyebrow layer");
  check_shape(pose, {batch, config_.num_pose_params}, kNetwork, "a pose");
  const torch::Tensor feature = body->features(torch::cat({background_layer, eyebrow_layer}, 1), pose);
  const torch::Tensor grid_change = morphed_eyebrow_layer_grid_change->forward(feature);
  const torch::Tensor alpha = morphed_eyebrow_layer_alpha->forward(feature);
  const torch::Tensor color_change = morphed_eyebrow_layer_color_change->forward(feature);
  const torch::Tensor warped = warp_image_float32(eyebrow_layer, grid_change);
  const torch::Tensor morphed = apply_color_change(alpha, color_change, warped);
  const torch::Tensor combine = combine_alpha->forward(feature);
  const torch::Tensor eyebrow_image = apply_rgb_change(combine, morphed, background_layer);
  // The morphed layer's own alpha channel, mapped from [-1, 1] to [0, 1], instead of the combine head.
  const torch::Tensor own_alpha = (morphed.slice(1, 3, 4) + 1.0) / 2.0;
  const torch::Tensor eyebrow_image_no_combine_alpha = apply_rgb_change(own_alpha, morphed, background_layer);
  return {eyebrow_image, combine, eyebrow_image_no_combine_alpha, morphed, alpha, color_change, warped, grid_change};
}

}  // namespace tha4::full
