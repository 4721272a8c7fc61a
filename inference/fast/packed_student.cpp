#include "inference/fast/packed_student.h"

namespace tha4::fast {
namespace {

constexpr float kOmega0 = static_cast<float>(SineLinearLayerImpl::kOmega0);

int padded(int64_t n) { return static_cast<int>((n + kOutBlock - 1) / kOutBlock * kOutBlock); }

torch::Tensor matrix(const torch::Tensor& weight) {
  return weight.detach().to(torch::kCPU, torch::kFloat32).reshape({weight.size(0), weight.size(1)}).contiguous();
}

SineLinearLayerImpl& sine_layer(const std::shared_ptr<torch::nn::Module>& module) {
  return *module->as<SineLinearLayerImpl>();
}

FoldedFirstLayer fold_first_layer(SineLinearLayerImpl& layer, int64_t position_column, int64_t pose_size) {
  const torch::Tensor w = matrix(layer.linear->weight);
  const torch::Tensor b = layer.linear->bias.detach().to(torch::kCPU, torch::kFloat32).contiguous();
  const auto acc = w.accessor<float, 2>();
  FoldedFirstLayer folded;
  folded.out_padded = padded(w.size(0));
  folded.pose_size = static_cast<int>(pose_size);
  folded.wx.assign(folded.out_padded, 0.0f);
  folded.wy.assign(folded.out_padded, 0.0f);
  folded.bias.assign(folded.out_padded, 0.0f);
  folded.pose_weights.assign(static_cast<std::size_t>(folded.out_padded) * pose_size, 0.0f);
  for (int64_t o = 0; o < w.size(0); ++o) {
    folded.wx[o] = kOmega0 * acc[o][position_column];
    folded.wy[o] = kOmega0 * acc[o][position_column + 1];
    folded.bias[o] = kOmega0 * b[o].item<float>();
    for (int64_t k = 0; k < pose_size; ++k) {
      folded.pose_weights[o * pose_size + k] = kOmega0 * acc[o][position_column + 2 + k];
    }
  }
  return folded;
}

std::vector<float> grid_coordinates(int64_t size) {
  // Row 0, channel 0 of the reference's position grid: the x coordinate of every column. The grid is
  // symmetric in x and y, so the same values serve for rows.
  const torch::Tensor grid = position_grid(1, size, torch::kCPU);
  const torch::Tensor row = grid[0][0][0].contiguous();
  return std::vector<float>(row.data_ptr<float>(), row.data_ptr<float>() + size);
}

// Packs the sine layers of one level after the first; `in_padded` is the first layer's padded width.
std::vector<PackedLinear> pack_rest(const std::vector<SineLinearLayerImpl*>& layers, int in_padded) {
  std::vector<PackedLinear> rest;
  for (std::size_t j = 1; j < layers.size(); ++j) {
    const auto& linear = layers[j]->linear;
    rest.push_back(pack_linear(linear->weight, linear->bias, kOmega0, 0, linear->weight.size(1), in_padded, true));
    in_padded = rest.back().out_padded;
  }
  return rest;
}

}  // namespace

PackedLinear pack_linear(const torch::Tensor& weight, const torch::Tensor& bias, float scale, int64_t col_begin,
                         int64_t width, int in_padded, bool with_bias) {
  const torch::Tensor w = matrix(weight);
  const auto acc = w.accessor<float, 2>();
  PackedLinear packed;
  packed.in = in_padded;
  packed.out = static_cast<int>(w.size(0));
  packed.out_padded = padded(w.size(0));
  packed.weights.assign(static_cast<std::size_t>(packed.out_padded) * in_padded, 0.0f);
  packed.bias.assign(packed.out_padded, 0.0f);
  const torch::Tensor b = bias.detach().to(torch::kCPU, torch::kFloat32).contiguous();
  for (int64_t o = 0; o < w.size(0); ++o) {
    const int64_t block = o / kOutBlock;
    const int64_t lane = o % kOutBlock;
    for (int64_t c = 0; c < width; ++c) {
      packed.weights[(block * in_padded + c) * kOutBlock + lane] = scale * acc[o][col_begin + c];
    }
    if (with_bias) packed.bias[o] = scale * b[o].item<float>();
  }
  return packed;
}

void FoldedFirstLayer::frame_bias(const float* pose, float* out) const {
  for (int o = 0; o < out_padded; ++o) {
    float sum = bias[o];
    const float* row = &pose_weights[static_cast<std::size_t>(o) * pose_size];
    for (int k = 0; k < pose_size; ++k) sum += row[k] * pose[k];
    out[o] = sum;
  }
}

PackedFaceMorpher pack_face_morpher(SirenFaceMorpherImpl& network) {
  const auto& config = network.config();
  std::vector<SineLinearLayerImpl*> layers;
  for (const auto& module : *network.siren->sine_layers) layers.push_back(&sine_layer(module));
  PackedFaceMorpher packed;
  packed.siren.size = static_cast<int>(config.image_size);
  packed.siren.first = fold_first_layer(*layers[0], 0, config.pose_size);
  packed.siren.rest = pack_rest(layers, packed.siren.first.out_padded);
  packed.siren.grid = grid_coordinates(config.image_size);
  const auto& last = network.siren->last_linear;
  packed.last = pack_linear(last->weight, last->bias, 1.0f, 0, last->weight.size(1), packed.siren.out_padded(), true);
  return packed;
}

PackedBodyMorpher pack_body_morpher(SirenBodyMorpherImpl& network) {
  const auto& config = network.config();
  PackedBodyMorpher packed;
  int previous_out_padded = 0;
  int64_t previous_out = 0;
  for (std::size_t i = 0; i < config.levels.size(); ++i) {
    std::vector<SineLinearLayerImpl*> layers;
    for (const auto& module : *network.siren_layers[i]->as<torch::nn::Sequential>())
      layers.push_back(&sine_layer(module.ptr()));
    PackedLevel level;
    level.size = static_cast<int>(config.levels[i].image_size);
    // Input columns of the first layer: [features (levels > 0), x, y, pose].
    level.first = fold_first_layer(*layers[0], previous_out, config.pose_size);
    if (i > 0) {
      const auto& linear = layers[0]->linear;
      level.feature = pack_linear(linear->weight, linear->bias, kOmega0, 0, previous_out, previous_out_padded, false);
    }
    level.rest = pack_rest(layers, level.first.out_padded);
    level.grid = grid_coordinates(level.size);
    previous_out_padded = level.out_padded();
    previous_out = layers.back()->linear->weight.size(0);
    packed.levels.push_back(std::move(level));
  }
  const auto& last = network.last_linear;
  packed.last = pack_linear(last->weight, last->bias, 1.0f, 0, last->weight.size(1), previous_out_padded, true);
  return packed;
}

}  // namespace tha4::fast
