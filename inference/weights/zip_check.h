#pragma once
// A pre-check of a torch.save zip archive held in memory, before LibTorch's PyTorchStreamReader sees it.
//
// PyTorchStreamReader allocates every record with the size the zip directory claims, before reading it, and
// LibTorch's miniz is built without CRC checks. So a crafted file could make it allocate far more than the file
// holds, and a damaged file would load as silently different weights. torch.save writes only stored
// (uncompressed) records with 32-bit sizes plus a zip64 end record; this check accepts exactly that, keeps every
// allocation within the file size, and verifies every record's CRC-32. It also checks what the reader's
// constructor checks (one folder, a supported version record), because LibTorch 1.13 leaks when that throws.

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace tha4 {

class ZipCheckError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The format versions the LibTorch in use reads (caffe2/serialize/versions.h; this header stays LibTorch-free).
struct TorchZipVersions {
  std::uint64_t min = 1;
  std::uint64_t max = 10;
};

// Throws ZipCheckError saying what is wrong (truncated, corrupt directory, compression, bad CRC, no version
// record, ...).
void check_torch_zip(const std::vector<char>& bytes, const TorchZipVersions& versions = {});

}  // namespace tha4
