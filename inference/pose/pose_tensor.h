#pragma once
// A pose as the networks take it: a (1, 45) float32 tensor.

#include "inference/pose/pose.h"

#include <torch/torch.h>

namespace tha4 {

// A copy of `pose` as a (1, kPoseSize) float32 tensor on `device` (never aliasing `pose`).
torch::Tensor pose_to_tensor(const Pose& pose, const torch::Device& device);

}  // namespace tha4
