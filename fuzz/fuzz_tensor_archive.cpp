// libFuzzer target: a whole weight file (.pt, torch.save's zip) through the project's reader: the zip
// pre-check, LibTorch's PyTorchStreamReader, the pickle interpreter and the storages. Every failure must
// be a WeightFileError; accepted tensors are read completely (ASan checks every byte).

#include "inference/util/errors.h"
#include "inference/weights/tensor_archive.h"

#include <cstddef>
#include <cstdio>
#include <cstdint>
#include <cstdlib>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::vector<char> bytes(data, data + size);
  try {
    for (const auto& entry : tha4::read_tensor_archive_bytes(bytes, "fuzz.pt")) {
      if (!entry.tensor.is_contiguous()) std::abort();
      // Touch every element: a view outside its storage would be an ASan report here.
      (void)entry.tensor.sum().item<double>();
    }
  } catch (const tha4::WeightFileError& error) {
    if (std::getenv("THA4_FUZZ_VERBOSE") != nullptr) std::fprintf(stderr, "%s\n", error.what());
  }
  return 0;
}
