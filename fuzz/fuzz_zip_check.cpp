// libFuzzer target: the pre-check of torch.save zip archives (weights/zip_check.h), the first code that
// sees a weight file's bytes. It must reject or accept without reading outside the buffer.

#include "inference/weights/zip_check.h"

#include <cstddef>
#include <cstdint>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::vector<char> bytes(data, data + size);
  try {
    tha4::check_torch_zip(bytes);
  } catch (const tha4::ZipCheckError&) {
  }
  return 0;
}
