#include "inference/student/siren_init.h"

#include <cmath>

namespace tha4 {
namespace {

// Draws on the CPU and copies, so that the values do not depend on the network's device.
void fill_uniform(torch::Tensor& tensor, double bound) {
  tensor.copy_(torch::empty(tensor.sizes(), torch::kFloat32).uniform_(-bound, bound));
}

void default_bias(torch::nn::Conv2dImpl& linear) {
  const double fan_in = static_cast<double>(linear.weight.size(1));
  fill_uniform(linear.bias, 1.0 / std::sqrt(fan_in));
}

void initialize_sine_layer(SineLinearLayerImpl& layer, bool is_first) {
  torch::nn::Conv2dImpl& linear = *layer.linear;
  const double in = static_cast<double>(linear.weight.size(1));
  const double bound = is_first ? 1.0 / in : std::sqrt(6.0 / in) / SineLinearLayerImpl::kOmega0;
  fill_uniform(linear.weight, bound);
  default_bias(linear);
}

void initialize_last_linear(torch::nn::Conv2dImpl& linear) {
  const double fan_in = static_cast<double>(linear.weight.size(1));
  linear.weight.copy_(torch::empty(linear.weight.sizes(), torch::kFloat32).normal_(0.0, std::sqrt(2.0 / fan_in)));
  default_bias(linear);
}

}  // namespace

void initialize_siren_face_morpher(SirenFaceMorpherImpl& network) {
  torch::NoGradGuard no_grad;
  bool first = true;
  for (const auto& layer : *network.siren->sine_layers) {
    initialize_sine_layer(*layer->as<SineLinearLayer>(), first);
    first = false;
  }
  initialize_last_linear(*network.siren->last_linear);
}

void initialize_siren_body_morpher(SirenBodyMorpherImpl& network) {
  torch::NoGradGuard no_grad;
  bool first = true;
  for (const auto& level : *network.siren_layers) {
    for (const auto& layer : *level->as<torch::nn::Sequential>()) {
      initialize_sine_layer(*layer.ptr()->as<SineLinearLayer>(), first);
      first = false;
    }
  }
  initialize_last_linear(*network.last_linear);
}

}  // namespace tha4
