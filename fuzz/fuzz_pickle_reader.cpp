// libFuzzer target: the pickle interpreter for a weight file's data.pkl (weights/pickle_reader.h). Inputs
// are the records themselves; accepted tensors must stay inside their storages (the reader promises it).

#include "inference/weights/pickle_reader.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>

namespace {

// The largest element offset a view reaches must lie inside the storage (the reader's contract).
void check_inside_storage(const tha4::PickledTensor& tensor) {
  if (tensor.sizes.size() != tensor.strides.size() || tensor.storage_offset < 0) std::abort();
  __int128 last = tensor.storage_offset;
  for (std::size_t d = 0; d < tensor.sizes.size(); ++d) {
    if (tensor.sizes[d] < 0 || tensor.strides[d] < 0) std::abort();
    if (tensor.sizes[d] == 0) return;  // an empty view reads nothing
    last += static_cast<__int128>(tensor.sizes[d] - 1) * tensor.strides[d];
  }
  if (tensor.storage.numel > 0 ? last >= tensor.storage.numel : last > 0) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    for (const auto& tensor : tha4::parse_tensor_pickle(data, size).tensors) check_inside_storage(tensor);
  } catch (const tha4::PickleError&) {
  }
  return 0;
}
