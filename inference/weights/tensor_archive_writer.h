#pragma once
// Writer of `torch.save` zip archives in the layout of the official THA4 weight files (spec §3.8): a
// protocol-2 `data.pkl` holding a collections.OrderedDict from name to tensor, one `data/<k>` record per
// tensor with its own storage. PyTorch's `torch.load`, the reference implementation and our own reader
// (tensor_archive.h) read them. The distiller writes its students, checkpoints and sample data this way.

#include "inference/weights/tensor_archive.h"

#include <torch/torch.h>

#include <filesystem>
#include <string>
#include <vector>

namespace tha4 {

// The bytes of an archive holding `tensors` in order (any dtype torch.save names a storage class for:
// float32/64, float16, bfloat16, int8/16/32/64, uint8, bool). Each tensor is copied to the CPU and made
// contiguous; storages are tagged with `location` ("cpu", or "cuda:0" as in the official files).
std::string tensor_archive_bytes(const std::vector<NamedTensor>& tensors, const std::string& location = "cpu");

// Writes tensor_archive_bytes to `file` atomically (util/atomic_file.h). Throws Error when it cannot.
void write_tensor_archive(const std::filesystem::path& file, const std::vector<NamedTensor>& tensors,
                          const std::string& location = "cpu");

// What torch.save(x) writes for a lone tensor or for a tuple or list of tensors (the pose dataset's
// shapes, spec §6.3).
enum class TensorSequenceKind { kTensor, kTuple, kList };
void write_tensor_sequence_archive(const std::filesystem::path& file, const std::vector<torch::Tensor>& tensors,
                                   TensorSequenceKind kind);

// A module's parameters and buffers in registration order, under their state-dict names: the order the
// official files use, so a saved student equals the reference's file key for key.
std::vector<NamedTensor> module_state_dict(const torch::nn::Module& module);

}  // namespace tha4
