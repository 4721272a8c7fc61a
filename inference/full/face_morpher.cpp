#include "inference/full/face_morpher.h"

#include "inference/full/conv_blocks.h"
#include "inference/full/precision.h"
#include "inference/full/shape_checks.h"
#include "inference/full/teacher_networks.h"
#include "inference/util/errors.h"

namespace tha4::full {
namespace {
constexpr std::string_view kNetwork = names_of(TeacherNetwork::kFaceMorpher).reference_module;

const FaceMorpherConfig& supported(const FaceMorpherConfig& config) {
  if (!config.output_iris_mouth_grid_change) {
    throw Error("face_morpher configuration: output_iris_mouth_grid_change=False is not supported (mode_07 sets it)");
  }
  return config;
}

}  // namespace

FaceMorpherImpl::FaceMorpherImpl(const FaceMorpherConfig& config)
    : PoserEncoderDecoderImpl(supported(config).encoder_decoder(), kNetwork),
      iris_mouth_grid_change(
          register_module("iris_mouth_grid_change", grid_change_head(config.encoder.start_channels))),
      iris_mouth_color_change(register_module(
          "iris_mouth_color_change", color_change_head(config.encoder.start_channels, config.encoder.image_channels))),
      iris_mouth_alpha(register_module("iris_mouth_alpha", alpha_head(config.encoder.start_channels))),
      eye_color_change(register_module(
          "eye_color_change", color_change_head(config.encoder.start_channels, config.encoder.image_channels))),
      eye_alpha(register_module("eye_alpha", alpha_head(config.encoder.start_channels))),
      config_(config) {}

std::vector<torch::Tensor> FaceMorpherImpl::forward(const torch::Tensor& image, const torch::Tensor& pose) {
  const int64_t size = config_.encoder.image_size;
  check_shape(image, {-1, config_.encoder.image_channels, size, size}, kNetwork, "an image");
  check_shape(pose, {image.size(0), config_.num_expression_params}, kNetwork, "a pose");
  const torch::Tensor feature = features(image, pose);
  const torch::Tensor grid_change = iris_mouth_grid_change->forward(feature);
  const torch::Tensor image_0 = warp_image_float32(image, grid_change);
  const torch::Tensor iris_mouth_change = iris_mouth_color_change->forward(feature);
  const torch::Tensor iris_mouth_weight = iris_mouth_alpha->forward(feature);
  const torch::Tensor image_1 = apply_color_change(iris_mouth_weight, iris_mouth_change, image_0);
  const torch::Tensor eye_change = eye_color_change->forward(feature);
  const torch::Tensor eye_weight = eye_alpha->forward(feature);
  const torch::Tensor output = apply_color_change(eye_weight, eye_change, image_1);
  return {output, eye_weight, eye_change, image_1, iris_mouth_weight, iris_mouth_change, image_0, grid_change};
}

}  // namespace tha4::full
