#include "inference/full/shape_checks.h"

#include "inference/util/errors.h"

namespace tha4::full {

void check_shape(const torch::Tensor& tensor, const std::vector<int64_t>& expected, std::string_view network,
                 const std::string& what) {
  bool ok = tensor.defined() && tensor.dim() == static_cast<int64_t>(expected.size());
  for (std::size_t i = 0; ok && i < expected.size(); ++i) {
    ok = expected[i] < 0 || tensor.size(static_cast<int64_t>(i)) == expected[i];
  }
  if (ok) return;
  std::string shape = "(";
  for (std::size_t i = 0; i < expected.size(); ++i) {
    shape += (i ? ", " : "") + (expected[i] < 0 ? std::string("N") : std::to_string(expected[i]));
  }
  throw Error(std::string(network) + " expects " + what + " of shape " + shape + "), got " +
              (tensor.defined() ? c10::str(tensor.sizes()) : std::string("no tensor")));
}

}  // namespace tha4::full
