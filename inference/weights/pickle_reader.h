#pragma once
// A strict, bounds-checked interpreter for the small subset of pickle protocol 2 that `torch.save`
// writes for a flat {str: Tensor} dict (spec §3.8). The file is untrusted input: every read is
// bounds-checked, containers and the memo are size-limited, and anything outside the subset is rejected.
// It only describes the tensors; tensor_archive.h reads their storages.

#include <c10/core/ScalarType.h>

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace tha4 {

// One `torch.*Storage` referenced through BINPERSID ('storage', class, key, location, numel).
struct PickledStorage {
  std::string key;       // record name under data/ in the archive
  std::string location;  // "cpu", "cuda:0", ... (informational: we map every storage ourselves)
  c10::ScalarType dtype = c10::ScalarType::Float;
  int64_t numel = 0;
};

// One `torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks)`.
struct PickledTensor {
  std::string name;  // the dict key
  PickledStorage storage;
  int64_t storage_offset = 0;
  std::vector<int64_t> sizes;
  std::vector<int64_t> strides;
};

class PickleError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// What `torch.save` was given: a state dict, one tensor, or a tuple or list of tensors (a pose dataset).
enum class PickleTopLevel { kDict, kTensor, kSequence };
struct PickledTensors {
  PickleTopLevel top_level = PickleTopLevel::kDict;
  // Named by their dict keys; a lone tensor is "0", sequence items "0", "1", ...
  std::vector<PickledTensor> tensors;
};

// Parses `data.pkl` holding any of the three shapes above. Throws PickleError as below.
PickledTensors parse_tensor_pickle(const std::uint8_t* data, std::size_t size);

// Parses `data.pkl`, which must hold a dict. Returns the tensors in dict insertion order. Throws PickleError (with the
// byte offset) for anything malformed or outside the supported subset. Also checks that each tensor's
// sizes/strides/offset stay inside its storage's numel.
std::vector<PickledTensor> parse_tensor_dict_pickle(const std::uint8_t* data, std::size_t size);

}  // namespace tha4
