#include "inference/full/half_res_rotator.h"

#include "inference/full/shape_checks.h"
#include "inference/full/teacher_networks.h"

#include <string>

namespace tha4::full {
namespace {
// "body_morpher (Morpher00)", as errors name it.
const std::string& network_name() {
  static const std::string name = module_and_class(TeacherNetwork::kHalfResRotator);
  return name;
}

const HalfResRotatorConfig& validated(const HalfResRotatorConfig& config) {
  config.validate(network_name());
  return config;
}
}  // namespace

HalfResRotatorImpl::HalfResRotatorImpl(const HalfResRotatorConfig& config)
    : body(register_module("body", Unet(validated(config).unet, network_name()))), config_(config) {}

std::vector<torch::Tensor> HalfResRotatorImpl::forward(const torch::Tensor& image, const torch::Tensor& pose) {
  const int64_t size = config_.image_size;
  check_shape(image, {-1, config_.image_channels, size, size}, network_name(), "an image");
  check_shape(pose, {image.size(0), config_.num_pose_parameters}, network_name(), "a pose");
  const torch::Tensor t = torch::zeros({image.size(0), 1}, image.options());  // THA4 always runs at t = 0
  return unet_poser_outputs(body->forward(image, t, pose), image);
}

}  // namespace tha4::full
