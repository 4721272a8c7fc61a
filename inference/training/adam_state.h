#pragma once
// LibTorch's Adam optimizer state (step count and both moments of every parameter) as named tensors, so that
// a checkpoint can hold it in our tensor archives and a resumed run continues bit for bit.
//
// Names follow PyTorch's optimizer state_dict: `state.<i>.step`, `state.<i>.exp_avg`,
// `state.<i>.exp_avg_sq`, where i is the parameter's position in the optimizer's only param group.

#include "inference/weights/tensor_archive.h"

#include <torch/torch.h>

#include <string>
#include <vector>

namespace tha4::training {

// Adam's hyper-parameters (the reference trainers': β = (0.9, 0.999), ε = 1e-8, no weight decay).
struct AdamSettings {
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
};

// Adam over `parameters` with `settings` and learning rate `lr`.
torch::optim::Adam make_adam(const std::vector<torch::Tensor>& parameters, const AdamSettings& settings, double lr);

// Sets the learning rate of every param group.
void set_learning_rate(torch::optim::Optimizer& optimizer, double lr);

// The state of every parameter of the optimizer's param group that has taken a step (none before the first).
std::vector<NamedTensor> adam_state_tensors(torch::optim::Adam& optimizer);

// Replaces the optimizer's state with `tensors` (as adam_state_tensors writes them; empty = no step yet).
// Throws WeightFileError naming `source` for a missing, extra or mis-shaped entry; the optimizer is left
// unchanged then.
void load_adam_state(torch::optim::Adam& optimizer, const std::vector<NamedTensor>& tensors, const std::string& source);

}  // namespace tha4::training
