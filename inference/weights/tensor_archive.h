#pragma once
// Reader for `torch.save` zip archives that hold one flat dict (or collections.OrderedDict) from
// str to Tensor: the official THA4 weight files (storages tagged `cuda:0`) and the golden test files.
//
// LibTorch 1.13 cannot unpickle the official files (spec §3.8), so the archive's `data.pkl` is
// interpreted by our own strict pickle reader (pickle_reader.h) and the storages are read from the zip
// with caffe2::serialize::PyTorchStreamReader. Works the same on every LibTorch version.

#include <torch/torch.h>

#include <filesystem>
#include <string>
#include <vector>

namespace tha4 {

struct NamedTensor {
  std::string name;
  torch::Tensor tensor;
};

// Reads every tensor of the archive, in the file's key order, as contiguous tensors on `device`
// (whatever device the file's storages are tagged with). Throws WeightFileError naming the file and
// what is wrong for a missing, empty, truncated, non-zip or otherwise malformed file.
std::vector<NamedTensor> read_tensor_archive(const std::filesystem::path& file,
                                             const torch::Device& device = torch::kCPU);

// The same from a whole file held in memory (the libFuzzer target's entry, fuzz/); `source` names it in messages.
std::vector<NamedTensor> read_tensor_archive_bytes(const std::vector<char>& bytes, const std::string& source);

// Reads a file that `torch.save` wrote from one tensor or from a tuple or list of tensors (the distiller's
// pose dataset, spec §6.3): the tensors in order, contiguous, on the CPU. Throws WeightFileError as above,
// also for a dict.
std::vector<torch::Tensor> read_tensor_sequence_archive(const std::filesystem::path& file);

// Finds one tensor by name; throws WeightFileError naming `source` when it is absent.
const torch::Tensor& find_tensor(const std::vector<NamedTensor>& tensors, const std::string& name,
                                 const std::string& source);

}  // namespace tha4
