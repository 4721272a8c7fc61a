#pragma once
// Strict state-dict loading: the file must hold exactly the module's parameters and buffers, with the
// same names, shapes and dtypes. Mismatches name the file, the key, the expected and the found shape.

#include "inference/weights/tensor_archive.h"

#include <torch/torch.h>

#include <filesystem>
#include <string>
#include <vector>

namespace tha4 {

// Copies `tensors` into `module`'s parameters and buffers (no autograd recorded). `source` names the
// file in error messages. Throws WeightFileError on a missing key, an unexpected key, a wrong shape or
// a wrong dtype; the module is left unchanged when it throws.
void load_state_dict(torch::nn::Module& module, const std::vector<NamedTensor>& tensors, const std::string& source);

// read_tensor_archive + load_state_dict, onto the module's current device.
void load_module_weights(torch::nn::Module& module, const std::filesystem::path& file);

}  // namespace tha4
