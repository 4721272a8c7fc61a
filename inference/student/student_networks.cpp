#include "inference/student/student_networks.h"

#include "inference/util/errors.h"

namespace tha4 {
namespace {
namespace F = torch::nn::functional;

torch::Tensor position_and_pose(const torch::Tensor& pose, int64_t size) {
  return torch::cat({position_grid(pose.size(0), size, pose.device()), pose_image(pose, size)}, 1);
}

void check_pose_shape(const torch::Tensor& pose, int64_t pose_size, const char* network) {
  if (pose.dim() != 2 || pose.size(1) != pose_size) {
    throw Error(std::string(network) + " expects a pose of shape (N, " + std::to_string(pose_size) + "), got " +
                c10::str(pose.sizes()));
  }
}
}  // namespace

SirenImpl::SirenImpl(int64_t in_channels, int64_t hidden_channels, int64_t out_channels, int64_t num_sine_layers)
    : sine_layers(register_module("sine_layers", torch::nn::ModuleList())),
      last_linear(register_module("last_linear", pixelwise_linear(hidden_channels, out_channels))) {
  sine_layers->push_back(SineLinearLayer(in_channels, hidden_channels));
  for (int64_t i = 1; i < num_sine_layers; ++i)
    sine_layers->push_back(SineLinearLayer(hidden_channels, hidden_channels));
}

torch::Tensor SirenImpl::forward(torch::Tensor x) {
  for (const auto& layer : *sine_layers) x = layer->as<SineLinearLayer>()->forward(x);
  return last_linear->forward(x);
}

SirenFaceMorpherImpl::SirenFaceMorpherImpl(SirenFaceMorpherConfig config)
    : siren(register_module(
          "siren", Siren(config.pose_size + 2, config.hidden_channels, config.image_channels, config.num_sine_layers))),
      config_(config) {}

torch::Tensor SirenFaceMorpherImpl::forward(const torch::Tensor& pose) {
  check_pose_shape(pose, config_.pose_size, "the face morpher");
  // Position first, then pose (spec §3.4).
  return siren->forward(position_and_pose(pose, config_.image_size));
}

SirenBodyMorpherImpl::SirenBodyMorpherImpl(SirenBodyMorpherConfig config)
    : siren_layers(register_module("siren_layers", torch::nn::ModuleList())),
      last_linear(register_module("last_linear",
                                  pixelwise_linear(config.levels.back().hidden_channels, config.image_channels + 3))),
      config_(std::move(config)) {
  const int64_t position_and_pose_channels = config_.pose_size + 2;
  for (std::size_t i = 0; i < config_.levels.size(); ++i) {
    const SirenMorpherLevel& level = config_.levels[i];
    const bool last_level = i + 1 == config_.levels.size();
    torch::nn::Sequential layers;
    const int64_t first_in = (i == 0 ? 0 : level.hidden_channels) + position_and_pose_channels;
    layers->push_back(SineLinearLayer(first_in, level.hidden_channels));
    for (int64_t j = 1; j + 1 < level.num_sine_layers; ++j) {
      layers->push_back(SineLinearLayer(level.hidden_channels, level.hidden_channels));
    }
    // The last layer of a level already has the next level's width.
    const int64_t out = last_level ? level.hidden_channels : config_.levels[i + 1].hidden_channels;
    layers->push_back(SineLinearLayer(level.hidden_channels, out));
    siren_layers->push_back(layers);
  }
}

BodyMorpherOutputs SirenBodyMorpherImpl::forward(const torch::Tensor& image, const torch::Tensor& pose) {
  check_pose_shape(pose, config_.pose_size, "the body morpher");
  torch::Tensor x;
  for (std::size_t i = 0; i < config_.levels.size(); ++i) {
    const int64_t size = config_.levels[i].image_size;
    const torch::Tensor pp = position_and_pose(pose, size);
    if (i == 0) {
      x = pp;
    } else {
      x = F::interpolate(x, F::InterpolateFuncOptions()
                                .size(std::vector<int64_t>{size, size})
                                .mode(torch::kBilinear)
                                .align_corners(false));
      x = torch::cat({x, pp}, 1);  // features first, then position and pose (spec §3.5)
    }
    x = siren_layers[i]->as<torch::nn::Sequential>()->forward(x);
  }
  const torch::Tensor out = last_linear->forward(x);
  BodyMorpherOutputs result;
  result.grid_change = out.slice(1, 0, 2);
  result.alpha = out.slice(1, 2, 3);
  result.color_change = out.slice(1, 3);
  result.warped = warp_image(image, result.grid_change);
  result.blended = (1 - result.alpha) * result.warped + result.alpha * result.color_change;
  return result;
}

}  // namespace tha4
