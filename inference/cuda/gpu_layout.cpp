#include "inference/cuda/gpu_layout.h"

#include "inference/cuda/kernel_math.h"

#include <algorithm>

namespace tha4::gpu {
namespace {

// fast::PackedLinear stores [out / kOutBlock][in][kOutBlock]; the kernels want [out][in], padded to 16.
GpuLinear relayout(const fast::PackedLinear& packed) {
  GpuLinear linear;
  linear.in = pad_to_mma(packed.in);
  linear.out = pad_to_mma(packed.out_padded);
  linear.weights.assign(static_cast<std::size_t>(linear.out) * linear.in, 0.0f);
  linear.bias.assign(static_cast<std::size_t>(linear.out), 0.0f);
  for (int o = 0; o < packed.out_padded; ++o) {
    const int block = o / fast::kOutBlock;
    const int lane = o % fast::kOutBlock;
    for (int c = 0; c < packed.in; ++c) {
      linear.weights[static_cast<std::size_t>(o) * linear.in + c] =
          packed.weights[(static_cast<std::size_t>(block) * packed.in + c) * fast::kOutBlock + lane];
    }
    linear.bias[o] = packed.bias[o];
  }
  return linear;
}

GpuLevel relayout(const fast::PackedLevel& packed) {
  GpuLevel level;
  level.size = packed.size;
  level.channels = pad_to_mma(packed.first.out_padded);
  level.pose_size = packed.first.pose_size;
  const auto padded = [&](const std::vector<float>& v) {
    std::vector<float> out(static_cast<std::size_t>(level.channels), 0.0f);
    std::copy(v.begin(), v.end(), out.begin());
    return out;
  };
  level.wx = padded(packed.first.wx);
  level.wy = padded(packed.first.wy);
  level.bias = padded(packed.first.bias);
  level.pose_weights.assign(static_cast<std::size_t>(level.channels) * level.pose_size, 0.0f);
  std::copy(packed.first.pose_weights.begin(), packed.first.pose_weights.end(), level.pose_weights.begin());
  for (const auto& layer : packed.rest) level.rest.push_back(relayout(layer));
  level.grid = packed.grid;
  return level;
}

}  // namespace

int GpuLevel::widest() const {
  int widest = channels;
  for (const auto& layer : rest) widest = std::max(widest, layer.out);
  return widest;
}

GpuNetworks layout_networks(const fast::PackedFaceMorpher& face, const fast::PackedBodyMorpher& body) {
  GpuNetworks networks;
  networks.face = relayout(face.siren);
  networks.face.head = relayout(face.last);
  networks.face.head_kind = HeadKind::kFace;
  for (std::size_t i = 0; i < body.levels.size(); ++i) {
    GpuLevel level = relayout(body.levels[i]);
    if (i > 0) level.low_size = body.levels[i - 1].size;
    const bool last = i + 1 == body.levels.size();
    level.head = relayout(last ? body.last : body.levels[i + 1].feature);
    level.head_kind = last ? HeadKind::kWarpBlend : HeadKind::kFeatures;
    networks.body.push_back(std::move(level));
  }
  return networks;
}

std::vector<float> frame_bias(const GpuLevel& level, const float* pose) {
  std::vector<float> out(static_cast<std::size_t>(level.channels));
  for (int o = 0; o < level.channels; ++o) {
    float sum = level.bias[o];
    const float* row = &level.pose_weights[static_cast<std::size_t>(o) * level.pose_size];
    for (int k = 0; k < level.pose_size; ++k) sum = add(sum, mul(row[k], pose[k]));
    out[o] = sum;
  }
  return out;
}

}  // namespace tha4::gpu
