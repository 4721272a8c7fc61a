#include "inference/full/editor.h"

#include "inference/full/precision.h"
#include "inference/full/shape_checks.h"
#include "inference/full/teacher_networks.h"

#include <string>

namespace tha4::full {
namespace {
namespace nn = torch::nn;
// "upscaler (Upscaler02)", as errors name it.
const std::string& network_name() {
  static const std::string name = module_and_class(TeacherNetwork::kEditor);
  return name;
}

const EditorConfig& validated(const EditorConfig& config) {
  config.validate(network_name());
  return config;
}
}  // namespace

EditorImpl::EditorImpl(const EditorConfig& config)
    : body(register_module("body", Unet(validated(config).unet, network_name()))),
      // Input: coarse posed image, rest image warped by the coarse grid, the coarse grid change.
      coarse_image_conv(register_module(
          "coarse_image_conv",
          nn::Conv2d(
              nn::Conv2dOptions(2 * config.image_channels + 2, config.unet.model_channels, 3).padding(1).bias(true)))),
      config_(config) {}

std::vector<torch::Tensor> EditorImpl::forward(const torch::Tensor& rest_image, const torch::Tensor& coarse_posed_image,
                                               const torch::Tensor& coarse_grid_change, const torch::Tensor& pose) {
  const int64_t size = config_.image_size;
  const int64_t channels = config_.image_channels;
  check_shape(rest_image, {-1, channels, size, size}, network_name(), "a rest image");
  const int64_t batch = rest_image.size(0);
  check_shape(coarse_posed_image, {batch, channels, size, size}, network_name(), "a coarse posed image");
  check_shape(coarse_grid_change, {batch, 2, size, size}, network_name(), "a coarse grid change");
  check_shape(pose, {batch, config_.num_pose_parameters}, network_name(), "a pose");
  const torch::Tensor coarse_warped = warp_image_float32(rest_image, coarse_grid_change);
  const torch::Tensor t = torch::zeros({batch, 1}, rest_image.options());  // THA4 always runs at t = 0
  const torch::Tensor addition =
      coarse_image_conv->forward(torch::cat({coarse_posed_image, coarse_warped, coarse_grid_change}, 1));
  return unet_poser_outputs(body->forward(rest_image, t, pose, addition), rest_image);
}

}  // namespace tha4::full
