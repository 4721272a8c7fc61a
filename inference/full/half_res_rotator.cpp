#include "inference/full/half_res_rotator.h"

#include "inference/full/shape_checks.h"

namespace tha4::full {
namespace {
constexpr const char* kNetwork = "body_morpher (Morpher00)";

const HalfResRotatorConfig& validated(const HalfResRotatorConfig& config) {
  config.validate(kNetwork);
  return config;
}
}  // namespace

HalfResRotatorImpl::HalfResRotatorImpl(const HalfResRotatorConfig& config)
    : body(register_module("body", Unet(validated(config).unet, kNetwork))), config_(config) {}

std::vector<torch::Tensor> HalfResRotatorImpl::forward(const torch::Tensor& image, const torch::Tensor& pose) {
  const int64_t size = config_.image_size;
  check_shape(image, {-1, config_.image_channels, size, size}, kNetwork, "an image");
  check_shape(pose, {image.size(0), config_.num_pose_parameters}, kNetwork, "a pose");
  const torch::Tensor t = torch::zeros({image.size(0), 1}, image.options());  // THA4 always runs at t = 0
  return unet_poser_outputs(body->forward(image, t, pose), image);
}

}  // namespace tha4::full
