#pragma once
// A pre-check of a torch.save zip archive held in memory, before LibTorch's PyTorchStreamReader sees it.
//
// PyTorchStreamReader allocates every record with the size the zip directory claims, before reading it, and
// LibTorch's miniz is built without CRC checks. So a crafted file could make it allocate far more than the file
// holds, and a damaged file would load as silently different weights. torch.save writes only stored
// (uncompressed) records with 32-bit sizes plus a zip64 end record; this check accepts exactly that, keeps every
// allocation within the file size, and verifies every record's CRC-32.

#include <stdexcept>
#include <vector>

namespace tha4 {

class ZipCheckError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Throws ZipCheckError saying what is wrong (truncated, corrupt directory, compression, bad CRC, ...).
void check_torch_zip(const std::vector<char>& bytes);

}  // namespace tha4
