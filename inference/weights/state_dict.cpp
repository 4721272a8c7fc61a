#include "inference/weights/state_dict.h"

#include "inference/util/errors.h"

#include <unordered_map>
#include <unordered_set>

namespace tha4 {
namespace {

// Listing every mismatch helps when a file belongs to another network, but a few are enough to say so.
constexpr std::size_t kMaxReportedProblems = 8;

std::string format_shape(c10::IntArrayRef sizes) {
  std::string text = "[";
  for (std::size_t i = 0; i < sizes.size(); ++i) text += (i ? ", " : "") + std::to_string(sizes[i]);
  return text + "]";
}

// The module's parameters and buffers by their state-dict names, in the module's order.
std::vector<std::pair<std::string, torch::Tensor>> module_state(const torch::nn::Module& module) {
  std::vector<std::pair<std::string, torch::Tensor>> state;
  for (const auto& item : module.named_parameters(/*recurse=*/true)) state.emplace_back(item.key(), item.value());
  for (const auto& item : module.named_buffers(/*recurse=*/true)) {
    // An undefined buffer is a placeholder without data (None in Python), which state_dict() leaves out.
    if (item.value().defined()) state.emplace_back(item.key(), item.value());
  }
  return state;
}

std::string join_problems(const std::vector<std::string>& problems) {
  std::string text;
  for (std::size_t i = 0; i < problems.size() && i < kMaxReportedProblems; ++i) text += (i ? "; " : "") + problems[i];
  if (problems.size() > kMaxReportedProblems) {
    text += "; and " + std::to_string(problems.size() - kMaxReportedProblems) + " more problems";
  }
  return text;
}

}  // namespace

void load_state_dict(torch::nn::Module& module, const std::vector<NamedTensor>& tensors, const std::string& source) {
  const auto state = module_state(module);
  std::unordered_map<std::string, const torch::Tensor*> in_file;
  std::vector<std::string> problems;
  for (const auto& [name, tensor] : tensors) {
    if (!in_file.emplace(name, &tensor).second) problems.push_back("key '" + name + "' appears twice in the file");
  }

  // Check everything before copying anything, so that a bad file leaves the module as it was.
  std::unordered_set<std::string> expected;
  for (const auto& [name, target] : state) {
    expected.insert(name);
    const auto found = in_file.find(name);
    if (found == in_file.end()) {
      problems.push_back("key '" + name + "' is missing from the file");
      continue;
    }
    const torch::Tensor& tensor = *found->second;
    if (!tensor.defined()) {
      problems.push_back("key '" + name + "' holds no tensor");
    } else if (tensor.sizes() != target.sizes()) {
      problems.push_back("key '" + name + "' has shape " + format_shape(tensor.sizes()) +
                         " in the file, the network expects " + format_shape(target.sizes()));
    } else if (tensor.scalar_type() != target.scalar_type()) {
      problems.push_back("key '" + name + "' has dtype " + c10::toString(tensor.scalar_type()) +
                         " in the file, the network expects " + c10::toString(target.scalar_type()));
    }
  }
  for (const auto& [name, tensor] : tensors) {
    if (expected.count(name) == 0) problems.push_back("unexpected key '" + name + "' (the network has no such weight)");
  }
  if (!problems.empty()) throw WeightFileError(source + ": " + join_problems(problems));

  torch::NoGradGuard no_grad;
  for (const auto& [name, target] : state) target.copy_(*in_file.at(name));
}

void load_module_weights(torch::nn::Module& module, const std::filesystem::path& file) {
  const auto parameters = module.parameters(/*recurse=*/true);
  const torch::Device device = parameters.empty() ? torch::Device(torch::kCPU) : parameters.front().device();
  load_state_dict(module, read_tensor_archive(file, device), file.filename().string());
}

}  // namespace tha4
