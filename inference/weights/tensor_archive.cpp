#include "inference/weights/tensor_archive.h"

#include "inference/util/errors.h"
#include "inference/weights/pickle_reader.h"
#include "inference/weights/zip_check.h"

#include <caffe2/serialize/inline_container.h>
#include <caffe2/serialize/read_adapter_interface.h>
#include <caffe2/serialize/versions.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <fstream>
#include <memory>
#include <new>
#include <stdexcept>
#include <unordered_map>

namespace tha4 {
namespace {

namespace fs = std::filesystem;

// A weight file far larger than any THA4 network is certainly not one; refuse it before reading it into memory.
constexpr std::uintmax_t kMaxFileBytes = std::uintmax_t{4} << 30;

// What is wrong with the archive; read_tensor_archive prefixes the file path.
class ArchiveError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

using Bytes = std::vector<char>;

Bytes read_file(const fs::path& file) {
  std::error_code error;
  const auto status = fs::status(file, error);
  if (!fs::exists(status)) throw ArchiveError("file not found");
  if (!fs::is_regular_file(status)) throw ArchiveError("not a regular file");
  const std::uintmax_t size = fs::file_size(file, error);
  if (error) throw ArchiveError("cannot determine the file size: " + error.message());
  if (size == 0) throw ArchiveError("file is empty");
  if (size > kMaxFileBytes) throw ArchiveError("file is too large (" + std::to_string(size) + " bytes)");

  std::ifstream in(file, std::ios::binary);
  if (!in) throw ArchiveError("cannot open the file for reading");
  Bytes bytes(static_cast<std::size_t>(size));
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (in.gcount() != static_cast<std::streamsize>(bytes.size())) throw ArchiveError("cannot read the whole file");
  return bytes;
}

// Serves PyTorchStreamReader from memory. Unlike caffe2's MemoryReadAdapter it never reads out of bounds: a
// request past the end returns a short count, which miniz reports as an error.
class BufferReadAdapter final : public caffe2::serialize::ReadAdapterInterface {
 public:
  explicit BufferReadAdapter(const Bytes& bytes) : bytes_(bytes) {}
  std::size_t size() const override { return bytes_.size(); }
  std::size_t read(std::uint64_t pos, void* buf, std::size_t n, const char* /*what*/) const override {
    if (pos >= bytes_.size()) return 0;
    const std::size_t count = std::min<std::uint64_t>(n, bytes_.size() - pos);
    std::memcpy(buf, bytes_.data() + pos, count);
    return count;
  }

 private:
  const Bytes& bytes_;
};

// ---- records ----

PickledTensors read_pickle(caffe2::serialize::PyTorchStreamReader& reader) {
  if (!reader.hasRecord("data.pkl")) throw ArchiveError("no data.pkl record: not a torch.save archive");
  const auto [data, size] = reader.getRecord("data.pkl");
  try {
    return parse_tensor_pickle(static_cast<const std::uint8_t*>(data.get()), size);
  } catch (const PickleError& error) {
    throw ArchiveError(std::string("malformed data.pkl: ") + error.what());
  }
}

// A Bool storage holds one byte per element; anything but 0 or 1 is not a valid bool.
void check_bools(const torch::Tensor& storage, const std::string& key) {
  const auto* bytes = static_cast<const std::uint8_t*>(storage.data_ptr());
  const bool valid = std::all_of(bytes, bytes + storage.numel(), [](std::uint8_t b) { return b <= 1; });
  if (!valid) throw ArchiveError("bool storage '" + key + "' holds bytes other than 0 and 1");
}

// The whole storage as a 1-D CPU tensor.
torch::Tensor read_storage(caffe2::serialize::PyTorchStreamReader& reader, const PickledStorage& storage) {
  const std::string record = "data/" + storage.key;
  if (!reader.hasRecord(record)) throw ArchiveError("storage record '" + record + "' is missing");
  const auto [data, size] = reader.getRecord(record);
  // numel < 2^31 (BININT) and elements are at most 8 bytes, so this cannot overflow.
  const auto expected = static_cast<std::uint64_t>(storage.numel) * c10::elementSize(storage.dtype);
  if (size != expected) {
    throw ArchiveError("storage record '" + record + "' holds " + std::to_string(size) + " bytes, but " +
                       std::to_string(storage.numel) + " " + c10::toString(storage.dtype) + " elements need " +
                       std::to_string(expected));
  }
  // torch.save writes native (little-endian) bytes, so a plain copy is the decoding.
  torch::Tensor tensor = torch::empty({storage.numel}, torch::TensorOptions().dtype(storage.dtype));
  if (size > 0) std::memcpy(tensor.data_ptr(), data.get(), size);
  if (storage.dtype == c10::ScalarType::Bool) check_bools(tensor, storage.key);
  return tensor;
}

struct ArchiveContents {
  PickleTopLevel top_level = PickleTopLevel::kDict;
  std::vector<NamedTensor> tensors;
};

// Every tensor of the archive held in `bytes`, contiguous, on the CPU.
ArchiveContents read_archive(const Bytes& bytes) {
  try {
    check_torch_zip(
        bytes, {caffe2::serialize::kMinSupportedFileFormatVersion, caffe2::serialize::kMaxSupportedFileFormatVersion});
  } catch (const ZipCheckError& error) {
    throw ArchiveError(error.what());
  }
  caffe2::serialize::PyTorchStreamReader reader(std::make_shared<BufferReadAdapter>(bytes));
  const PickledTensors parsed = read_pickle(reader);
  const std::vector<PickledTensor>& pickled = parsed.tensors;

  // Several tensors may view one storage: read each record once, and insist that all views agree on its type.
  std::unordered_map<std::string, std::pair<PickledStorage, torch::Tensor>> storages;
  std::vector<NamedTensor> tensors;
  tensors.reserve(pickled.size());
  for (const PickledTensor& entry : pickled) {
    auto found = storages.find(entry.storage.key);
    if (found == storages.end()) {
      found =
          storages.emplace(entry.storage.key, std::make_pair(entry.storage, read_storage(reader, entry.storage))).first;
    }
    const PickledStorage& known = found->second.first;
    if (known.dtype != entry.storage.dtype || known.numel != entry.storage.numel) {
      throw ArchiveError("storage '" + entry.storage.key + "' is used with two different types or sizes");
    }
    // The pickle reader has checked that this view stays inside the storage.
    tensors.push_back(
        {entry.name, found->second.second.as_strided(entry.sizes, entry.strides, entry.storage_offset).contiguous()});
  }
  return {parsed.top_level, std::move(tensors)};
}

// What the file says about itself (names, keys) may hold any bytes; messages show only printable ASCII.
std::string printable(std::string text) {
  for (char& c : text) c = (c >= 0x20 && c < 0x7f) ? c : '?';
  return text;
}

}  // namespace

namespace {

// `read()` (which reads the archive) with every failure reported as a WeightFileError that names `source`.
template <typename ReadArchive>
ArchiveContents read_archive_or_throw(const std::string& source, ReadArchive read) {
  const std::string prefix = source + ": ";
  try {
    return read();
  } catch (const ArchiveError& error) {
    throw WeightFileError(prefix + printable(error.what()));
  } catch (const c10::Error& error) {
    // PyTorchStreamReader reports the zip problems that miniz finds (bad headers, no version record) this way.
    throw WeightFileError(prefix + "unreadable torch.save archive: " + printable(error.what_without_backtrace()));
  } catch (const std::bad_alloc&) {
    throw WeightFileError(prefix + "out of memory while reading the file");
  } catch (const std::exception& error) {
    throw WeightFileError(prefix + "cannot read the file: " + printable(error.what()));
  }
}

ArchiveContents read_file_archive_or_throw(const fs::path& file) {
  return read_archive_or_throw(file.string(), [&] { return read_archive(read_file(file)); });
}

std::vector<NamedTensor> named_tensors_of_dict(ArchiveContents contents, const std::string& source) {
  if (contents.top_level != PickleTopLevel::kDict) {
    throw WeightFileError(
        source + ": holds " +
        (contents.top_level == PickleTopLevel::kTensor ? "a single tensor" : "a sequence of tensors") +
        ", not a dict of named tensors (a state dict)");
  }
  return std::move(contents.tensors);
}

}  // namespace

std::vector<NamedTensor> read_tensor_archive_bytes(const std::vector<char>& bytes, const std::string& source) {
  return named_tensors_of_dict(read_archive_or_throw(source, [&] { return read_archive(bytes); }), source);
}

std::vector<NamedTensor> read_tensor_archive(const std::filesystem::path& file, const torch::Device& device) {
  std::vector<NamedTensor> tensors = named_tensors_of_dict(read_file_archive_or_throw(file), file.string());
  // Outside the try: a device that cannot be used is not a problem of the file.
  for (auto& entry : tensors) entry.tensor = entry.tensor.to(device);
  return tensors;
}

std::vector<torch::Tensor> read_tensor_sequence_archive(const std::filesystem::path& file) {
  ArchiveContents contents = read_file_archive_or_throw(file);
  if (contents.top_level == PickleTopLevel::kDict) {
    throw WeightFileError(file.string() + ": holds a dict, not a tensor or a tuple or list of tensors");
  }
  std::vector<torch::Tensor> tensors;
  for (auto& entry : contents.tensors) tensors.push_back(std::move(entry.tensor));
  return tensors;
}

const torch::Tensor& find_tensor(const std::vector<NamedTensor>& tensors, const std::string& name,
                                 const std::string& source) {
  const auto found =
      std::find_if(tensors.begin(), tensors.end(), [&](const NamedTensor& tensor) { return tensor.name == name; });
  if (found == tensors.end()) throw WeightFileError(source + ": no tensor named '" + name + "'");
  return found->tensor;
}

}  // namespace tha4
