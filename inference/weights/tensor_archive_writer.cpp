#include "inference/weights/tensor_archive_writer.h"

#include "inference/util/atomic_file.h"
#include "inference/util/errors.h"

#include <caffe2/serialize/inline_container.h>

#include <cstdint>
#include <limits>

namespace tha4 {
namespace {

// ---- the few pickle opcodes torch.save uses for a dict of tensors ----
std::string le32(std::uint32_t value) {
  std::string text;
  for (int i = 0; i < 4; ++i) text += static_cast<char>((value >> (8 * i)) & 0xff);
  return text;
}
std::string unicode(const std::string& text) { return "X" + le32(static_cast<std::uint32_t>(text.size())) + text; }
std::string global(const std::string& module, const std::string& name) { return "c" + module + "\n" + name + "\n"; }
std::string binint(int64_t value) {
  if (value < 0 || value > std::numeric_limits<std::int32_t>::max()) {
    throw Error("tensor archive: " + std::to_string(value) + " does not fit the archive's 32-bit integers");
  }
  return "J" + le32(static_cast<std::uint32_t>(value));
}
std::string int_tuple(c10::IntArrayRef values) {
  std::string text = "(";
  for (const int64_t value : values) text += binint(value);
  return text + "t";
}
std::string empty_ordered_dict() { return global("collections", "OrderedDict") + ")R"; }

const char* storage_class(c10::ScalarType dtype) {
  switch (dtype) {
    case c10::ScalarType::Float: return "FloatStorage";
    case c10::ScalarType::Double: return "DoubleStorage";
    case c10::ScalarType::Half: return "HalfStorage";
    case c10::ScalarType::BFloat16: return "BFloat16Storage";
    case c10::ScalarType::Long: return "LongStorage";
    case c10::ScalarType::Int: return "IntStorage";
    case c10::ScalarType::Short: return "ShortStorage";
    case c10::ScalarType::Char: return "CharStorage";
    case c10::ScalarType::Byte: return "ByteStorage";
    case c10::ScalarType::Bool: return "BoolStorage";
    default: throw Error(std::string("tensor archive: no torch storage class for dtype ") + c10::toString(dtype));
  }
}

// Collects storages and pickles the `_rebuild_tensor_v2` call of each tensor.
class ArchiveBuilder {
 public:
  explicit ArchiveBuilder(std::string location) : location_(std::move(location)) {}

  std::string tensor(const torch::Tensor& tensor) {
    const torch::Tensor data = tensor.detach().to(torch::kCPU).contiguous();
    const std::string key = std::to_string(storages_.size());
    storages_.push_back(data);
    return global("torch._utils", "_rebuild_tensor_v2") + "((" + unicode("storage") +
           global("torch", storage_class(data.scalar_type())) + unicode(key) + unicode(location_) +
           binint(data.numel()) + "tQ" + binint(0) + int_tuple(data.sizes()) + int_tuple(data.strides()) + "\x89" +
           empty_ordered_dict() + "tR";
  }

  std::string finish(const std::string& body) const {
    const std::string pickle = "\x80\x02" + body + ".";
    std::string bytes;
    // The writer-function form names the archive's folder "archive", as Python's torch.save does.
    caffe2::serialize::PyTorchStreamWriter writer([&bytes](const void* data, std::size_t size) {
      bytes.append(static_cast<const char*>(data), size);
      return size;
    });
    writer.writeRecord("data.pkl", pickle.data(), pickle.size());
    for (std::size_t i = 0; i < storages_.size(); ++i) {
      writer.writeRecord("data/" + std::to_string(i), storages_[i].data_ptr(),
                         static_cast<std::size_t>(storages_[i].numel()) * storages_[i].element_size());
    }
    writer.writeEndOfFile();
    return bytes;
  }

 private:
  std::string location_;
  std::vector<torch::Tensor> storages_;
};

}  // namespace

std::string tensor_archive_bytes(const std::vector<NamedTensor>& tensors, const std::string& location) {
  ArchiveBuilder builder(location);
  std::string body = empty_ordered_dict();
  if (!tensors.empty()) {
    body += "(";
    for (const auto& [name, tensor] : tensors) body += unicode(name) + builder.tensor(tensor);
    body += "u";
  }
  return builder.finish(body);
}

void write_tensor_archive(const std::filesystem::path& file, const std::vector<NamedTensor>& tensors,
                          const std::string& location) {
  write_file_atomically(file, tensor_archive_bytes(tensors, location));
}

void write_tensor_sequence_archive(const std::filesystem::path& file, const std::vector<torch::Tensor>& tensors,
                                   TensorSequenceKind kind) {
  ArchiveBuilder builder("cpu");
  std::string body;
  if (kind == TensorSequenceKind::kTensor) {
    if (tensors.size() != 1) throw Error("tensor archive: a lone-tensor file holds exactly one tensor");
    body = builder.tensor(tensors.front());
  } else {
    body = kind == TensorSequenceKind::kList ? "](" : "(";
    for (const auto& tensor : tensors) body += builder.tensor(tensor);
    body += kind == TensorSequenceKind::kList ? "e" : "t";
  }
  write_file_atomically(file, builder.finish(body));
}

std::vector<NamedTensor> module_state_dict(const torch::nn::Module& module) {
  std::vector<NamedTensor> tensors;
  for (const auto& item : module.named_parameters(/*recurse=*/true)) tensors.push_back({item.key(), item.value()});
  for (const auto& item : module.named_buffers(/*recurse=*/true)) tensors.push_back({item.key(), item.value()});
  return tensors;
}

}  // namespace tha4
