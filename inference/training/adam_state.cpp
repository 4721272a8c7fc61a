#include "inference/training/adam_state.h"

#include "inference/util/errors.h"

#include <map>
#include <sstream>
#include <type_traits>

namespace tha4::training {
namespace {

// LibTorch keys the optimizer's state by the parameter's TensorImpl: as the address printed to a string in
// 1.13 (c10::guts::to_string), as the address itself in later versions.
template <typename Key>
Key state_key(const torch::Tensor& parameter) {
  void* impl = parameter.unsafeGetTensorImpl();
  if constexpr (std::is_same_v<Key, std::string>) {
    std::ostringstream text;
    text << impl;
    return text.str();
  } else {
    return static_cast<Key>(impl);
  }
}

using StateMap = std::decay_t<decltype(std::declval<torch::optim::Adam&>().state())>;
using StateKey = StateMap::key_type;

const std::vector<torch::Tensor>& parameters_of(torch::optim::Adam& optimizer) {
  if (optimizer.param_groups().size() != 1) throw Error("the training loop uses one Adam param group");
  return optimizer.param_groups().front().params();
}

std::string entry(std::size_t index, const char* field) { return "state." + std::to_string(index) + "." + field; }

}  // namespace

torch::optim::Adam make_adam(const std::vector<torch::Tensor>& parameters, const AdamSettings& settings, double lr) {
  return torch::optim::Adam(parameters, torch::optim::AdamOptions(lr)
                                            .betas(std::make_tuple(settings.beta1, settings.beta2))
                                            .eps(settings.eps)
                                            .weight_decay(0)
                                            .amsgrad(false));
}

void set_learning_rate(torch::optim::Optimizer& optimizer, double lr) {
  for (auto& group : optimizer.param_groups()) group.options().set_lr(lr);
}

std::vector<NamedTensor> adam_state_tensors(torch::optim::Adam& optimizer) {
  const auto& parameters = parameters_of(optimizer);
  std::vector<NamedTensor> tensors;
  for (std::size_t i = 0; i < parameters.size(); ++i) {
    const auto found = optimizer.state().find(state_key<StateKey>(parameters[i]));
    if (found == optimizer.state().end()) continue;
    const auto& state = static_cast<const torch::optim::AdamParamState&>(*found->second);
    tensors.push_back({entry(i, "step"), torch::tensor(static_cast<int64_t>(state.step()), torch::kLong)});
    tensors.push_back({entry(i, "exp_avg"), state.exp_avg().detach().cpu()});
    tensors.push_back({entry(i, "exp_avg_sq"), state.exp_avg_sq().detach().cpu()});
  }
  return tensors;
}

void load_adam_state(torch::optim::Adam& optimizer, const std::vector<NamedTensor>& tensors,
                     const std::string& source) {
  const auto& parameters = parameters_of(optimizer);
  std::map<std::string, torch::Tensor> by_name;
  for (const auto& [name, tensor] : tensors) by_name[name] = tensor;
  auto take = [&](std::size_t i, const char* field, c10::IntArrayRef shape) -> torch::Tensor {
    const auto found = by_name.find(entry(i, field));
    if (found == by_name.end()) return {};
    torch::Tensor tensor = found->second;
    by_name.erase(found);
    if (tensor.sizes() != shape) {
      throw WeightFileError(source + ": " + entry(i, field) + " has shape " + c10::str(tensor.sizes()) +
                            ", the parameter needs " + c10::str(shape));
    }
    return tensor;
  };
  // Read and check everything first, so that a bad file leaves the optimizer as it was.
  std::vector<std::unique_ptr<torch::optim::AdamParamState>> states(parameters.size());
  for (std::size_t i = 0; i < parameters.size(); ++i) {
    const torch::Tensor step = take(i, "step", {});
    const torch::Tensor exp_avg = take(i, "exp_avg", parameters[i].sizes());
    const torch::Tensor exp_avg_sq = take(i, "exp_avg_sq", parameters[i].sizes());
    if (!step.defined() && !exp_avg.defined() && !exp_avg_sq.defined()) continue;
    if (!step.defined() || !exp_avg.defined() || !exp_avg_sq.defined()) {
      throw WeightFileError(source + ": the optimizer state of parameter " + std::to_string(i) + " is incomplete");
    }
    auto state = std::make_unique<torch::optim::AdamParamState>();
    state->step(step.to(torch::kLong).item<int64_t>());
    state->exp_avg(exp_avg.to(parameters[i].options()).clone());
    state->exp_avg_sq(exp_avg_sq.to(parameters[i].options()).clone());
    states[i] = std::move(state);
  }
  if (!by_name.empty()) {
    throw WeightFileError(source + ": unexpected optimizer entry '" + by_name.begin()->first + "' (the file is for " +
                          "another network, or the network has changed)");
  }
  optimizer.state().clear();
  for (std::size_t i = 0; i < parameters.size(); ++i) {
    if (states[i]) optimizer.state()[state_key<StateKey>(parameters[i])] = std::move(states[i]);
  }
}

}  // namespace tha4::training
