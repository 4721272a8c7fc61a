#pragma once
// The two student networks of a THA4 character model (spec §3.4, §3.5), reference path.

#include "inference/student/siren.h"

#include <torch/torch.h>

#include <vector>

namespace tha4 {

struct SirenFaceMorpherConfig {
  int64_t image_size = 128;
  int64_t image_channels = 4;
  int64_t pose_size = 39;
  int64_t hidden_channels = 128;
  int64_t num_sine_layers = 8;
};

// A plain SIREN: `sine_layers` (in -> hidden, then hidden -> hidden) and `last_linear` (no tanh).
class SirenImpl : public torch::nn::Module {
 public:
  SirenImpl(int64_t in_channels, int64_t hidden_channels, int64_t out_channels, int64_t num_sine_layers);
  torch::Tensor forward(torch::Tensor x);

  torch::nn::ModuleList sine_layers{nullptr};
  torch::nn::Conv2d last_linear{nullptr};
};
TORCH_MODULE(Siren);

// SirenFaceMorpher00: pose[0:39] -> the 128×128 premultiplied RGBA face crop. Keys `siren.*`.
class SirenFaceMorpherImpl : public torch::nn::Module {
 public:
  explicit SirenFaceMorpherImpl(SirenFaceMorpherConfig config = {});
  torch::Tensor forward(const torch::Tensor& pose);

  const SirenFaceMorpherConfig& config() const { return config_; }
  Siren siren{nullptr};

 private:
  SirenFaceMorpherConfig config_;
};
TORCH_MODULE(SirenFaceMorpher);

struct SirenMorpherLevel {
  int64_t image_size;
  int64_t hidden_channels;
  int64_t num_sine_layers;
};

struct SirenBodyMorpherConfig {
  int64_t image_size = 512;
  int64_t image_channels = 4;
  int64_t pose_size = 45;
  std::vector<SirenMorpherLevel> levels = {{128, 360, 3}, {256, 180, 3}, {512, 90, 3}};
};

// SirenMorpher03 outputs, in the reference's list order (indices 0..4).
struct BodyMorpherOutputs {
  torch::Tensor blended;       // (N, 4, S, S) final image
  torch::Tensor alpha;         // (N, 1, S, S) raw, no sigmoid
  torch::Tensor color_change;  // (N, 4, S, S) raw, no tanh
  torch::Tensor warped;        // (N, 4, S, S)
  torch::Tensor grid_change;   // (N, 2, S, S) x then y offset, normalised units
};

// SirenMorpher03: three SIREN levels at 128, 256, 512 with bilinear upsampling between them; the last
// linear gives grid change, alpha and colour change. Keys `siren_layers.L.j.linear.*`, `last_linear.*`.
class SirenBodyMorpherImpl : public torch::nn::Module {
 public:
  explicit SirenBodyMorpherImpl(SirenBodyMorpherConfig config = {});
  BodyMorpherOutputs forward(const torch::Tensor& image, const torch::Tensor& pose);

  const SirenBodyMorpherConfig& config() const { return config_; }
  torch::nn::ModuleList siren_layers{nullptr};
  torch::nn::Conv2d last_linear{nullptr};

 private:
  SirenBodyMorpherConfig config_;
};
TORCH_MODULE(SirenBodyMorpher);

}  // namespace tha4
