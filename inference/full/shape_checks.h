#pragma once
// Input checks of the teacher networks: the reference asserts exact shapes; here a wrong shape is an Error
// that names the network, the input, the expected and the found shape.

#include <torch/torch.h>

#include <string>
#include <string_view>
#include <vector>

namespace tha4::full {

// Throws Error unless `tensor` is defined and has `expected` sizes, where -1 matches any size.
void check_shape(const torch::Tensor& tensor, const std::vector<int64_t>& expected, std::string_view network,
                 const std::string& what);

}  // namespace tha4::full
