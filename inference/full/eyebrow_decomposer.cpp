#include "inference/full/eyebrow_decomposer.h"

#include "inference/full/conv_blocks.h"
#include "inference/full/shape_checks.h"
#include "inference/full/teacher_networks.h"

namespace tha4::full {
namespace {
constexpr std::string_view kNetwork = names_of(TeacherNetwork::kEyebrowDecomposer).reference_module;
}  // namespace

EyebrowDecomposerImpl::EyebrowDecomposerImpl(const EyebrowDecomposerConfig& config)
    : body(register_module("body", PoserEncoderDecoder(config.encoder_decoder(), kNetwork))),
      background_layer_alpha(register_module("background_layer_alpha", alpha_head(config.encoder.start_channels))),
      background_layer_color_change(
          register_module("background_layer_color_change",
                          color_change_head(config.encoder.start_channels, config.encoder.image_channels))),
      eyebrow_layer_alpha(register_module("eyebrow_layer_alpha", alpha_head(config.encoder.start_channels))),
      eyebrow_layer_color_change(
          register_module("eyebrow_layer_color_change",
                          color_change_head(config.encoder.start_channels, config.encoder.image_channels))),
      config_(config) {}

std::vector<torch::Tensor> EyebrowDecomposerImpl::forward(const torch::Tensor& image) {
  const int64_t size = config_.encoder.image_size;
  check_shape(image, {-1, config_.encoder.image_channels, size, size}, kNetwork, "an image");
  const torch::Tensor feature = body->features(image);
  const torch::Tensor background_alpha = background_layer_alpha->forward(feature);
  const torch::Tensor background_color_change = background_layer_color_change->forward(feature);
  const torch::Tensor background = apply_color_change(background_alpha, background_color_change, image);
  const torch::Tensor eyebrow_alpha = eyebrow_layer_alpha->forward(feature);
  const torch::Tensor eyebrow_color_change = eyebrow_layer_color_change->forward(feature);
  // Roles swapped on purpose (spec §4.2): in the eyebrow layer the alpha weights the input image.
  const torch::Tensor eyebrow = apply_color_change(eyebrow_alpha, image, eyebrow_color_change);
  return {eyebrow, eyebrow_alpha, eyebrow_color_change, background, background_alpha, background_color_change};
}

}  // namespace tha4::full
