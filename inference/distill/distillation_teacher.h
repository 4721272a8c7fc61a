#pragma once
// The teacher both students learn from: the full THA4 system (spec §4) posing the one character picture.
// It runs without gradients; each batch's outputs are computed once and feed every loss term.

#include "inference/full/full_poser.h"

#include <torch/torch.h>

#include <memory>

namespace tha4::distill {

struct DistillationTeacher {
  std::shared_ptr<full::FullPoser> poser;
  torch::Tensor character;  // (1, 4, 512, 512), the reference tensor of the picture, on `device`
  torch::Device device = torch::kCPU;

  // The picture repeated for a batch of n poses (a view: no copy).
  torch::Tensor batch_image(int64_t n) const { return character.expand({n, -1, -1, -1}); }
};

}  // namespace tha4::distill
