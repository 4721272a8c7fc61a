#include "inference/weights/tensor_archive.h"

#include "inference/util/errors.h"
#include "inference/weights/pickle_reader.h"

#include <caffe2/serialize/inline_container.h>
#include <caffe2/serialize/read_adapter_interface.h>

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

// ---- zip pre-check ----
//
// PyTorchStreamReader allocates every record (including `version`, inside its constructor) with the size the zip
// directory claims, before reading it. For stored (uncompressed) records with 32-bit sizes, miniz has already checked
// that size against the file size; for compressed records or zip64 sizes it has not. torch.save writes only stored
// records with 32-bit sizes (plus a zip64 end record), so anything else is rejected here, and every allocation
// stays within the file size. The directory is located exactly as miniz locates it, so both see the same entries.
//
// LibTorch's miniz is built without CRC checks, so the checksums are verified here: a damaged file must not
// load as silently different weights.

constexpr std::uint32_t kEndSignature = 0x06054b50;
constexpr std::uint32_t kZip64LocatorSignature = 0x07064b50;
constexpr std::uint32_t kZip64EndSignature = 0x06064b50;
constexpr std::uint32_t kEntrySignature = 0x02014b50;
constexpr std::uint32_t kLocalHeaderSignature = 0x04034b50;
constexpr std::size_t kEndSize = 22;
constexpr std::size_t kZip64LocatorSize = 20;
constexpr std::size_t kZip64EndSize = 56;
constexpr std::size_t kEntrySize = 46;
constexpr std::size_t kLocalHeaderSize = 30;
constexpr std::size_t kMaxZipCommentBytes = 0xffff;
constexpr std::uint64_t kZip64Marker16 = 0xffff;
constexpr std::uint64_t kZip64Marker32 = 0xffffffff;

// Little-endian unsigned integer of `count` (at most 8) bytes; the caller has checked the bounds.
std::uint64_t read_le(const Bytes& bytes, std::uint64_t offset, std::size_t count) {
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < count; ++i) {
    value |= std::uint64_t{static_cast<unsigned char>(bytes[offset + i])} << (8 * i);
  }
  return value;
}

// The zip (IEEE 802.3) CRC-32.
std::uint32_t crc32(const char* data, std::size_t size) {
  static const std::array<std::uint32_t, 256> table = [] {
    std::array<std::uint32_t, 256> entries{};
    for (std::uint32_t i = 0; i < entries.size(); ++i) {
      std::uint32_t value = i;
      for (int bit = 0; bit < 8; ++bit) value = (value & 1) ? 0xedb88320u ^ (value >> 1) : value >> 1;
      entries[i] = value;
    }
    return entries;
  }();
  std::uint32_t crc = 0xffffffffu;
  for (std::size_t i = 0; i < size; ++i) crc = table[(crc ^ static_cast<unsigned char>(data[i])) & 0xff] ^ (crc >> 8);
  return crc ^ 0xffffffffu;
}

// The last end-of-central-directory signature that leaves room for the record, searched back over the record and
// at most a 64 KiB comment (miniz searches at least as far, and also takes the last one).
std::size_t find_end_record(const Bytes& bytes) {
  const std::string not_zip = "not a zip archive, or truncated (no zip end-of-central-directory record)";
  if (bytes.size() < kEndSize) throw ArchiveError(not_zip);
  const std::size_t last = bytes.size() - kEndSize;
  const std::size_t first = last > kMaxZipCommentBytes ? last - kMaxZipCommentBytes : 0;
  for (std::size_t offset = last + 1; offset-- > first;) {
    if (read_le(bytes, offset, 4) == kEndSignature) return offset;
  }
  throw ArchiveError(not_zip);
}

struct Directory {
  std::uint64_t entries = 0;
  std::uint64_t entries_on_disk = 0;
  std::uint64_t size = 0;
  std::uint64_t offset = 0;
};

// The end record's directory location, replaced (as miniz does) by the zip64 end record's when a locator points
// to one. The two must agree wherever the 32-bit field is not the "see zip64" marker.
Directory read_directory_location(const Bytes& bytes, std::size_t end) {
  const Directory classic{read_le(bytes, end + 10, 2), read_le(bytes, end + 8, 2), read_le(bytes, end + 12, 4),
                          read_le(bytes, end + 16, 4)};
  if (end < kZip64LocatorSize + kZip64EndSize) return classic;
  const std::size_t locator = end - kZip64LocatorSize;
  if (read_le(bytes, locator, 4) != kZip64LocatorSignature) return classic;
  const std::uint64_t zip64_end = read_le(bytes, locator + 8, 8);
  if (zip64_end > bytes.size() - kZip64EndSize) throw ArchiveError("zip64 end record lies outside the file");
  if (read_le(bytes, zip64_end, 4) != kZip64EndSignature) return classic;
  const Directory zip64{read_le(bytes, zip64_end + 32, 8), read_le(bytes, zip64_end + 24, 8),
                        read_le(bytes, zip64_end + 40, 8), read_le(bytes, zip64_end + 48, 8)};
  const auto agree = [](std::uint64_t narrow, std::uint64_t wide, std::uint64_t marker) {
    return narrow == wide || narrow == marker;
  };
  if (!agree(classic.entries, zip64.entries, kZip64Marker16) ||
      !agree(classic.entries_on_disk, zip64.entries_on_disk, kZip64Marker16) ||
      !agree(classic.size, zip64.size, kZip64Marker32) || !agree(classic.offset, zip64.offset, kZip64Marker32)) {
    throw ArchiveError("zip end records disagree (the file is corrupt)");
  }
  return zip64;
}

void check_entry(const Bytes& bytes, std::uint64_t offset) {
  const std::string name =
      "zip record '" + std::string(bytes.data() + offset + kEntrySize, read_le(bytes, offset + 28, 2)) + "'";
  const std::uint64_t flags = read_le(bytes, offset + 8, 2);
  const std::uint64_t method = read_le(bytes, offset + 10, 2);
  const std::uint64_t crc = read_le(bytes, offset + 16, 4);
  const std::uint64_t packed_size = read_le(bytes, offset + 20, 4);
  const std::uint64_t size = read_le(bytes, offset + 24, 4);
  const std::uint64_t header = read_le(bytes, offset + 42, 4);
  if (method != 0) {
    throw ArchiveError(name + " uses compression method " + std::to_string(method) +
                       " (torch.save stores records uncompressed)");
  }
  if (flags & 1) throw ArchiveError(name + " is encrypted");
  if (packed_size != size || size == kZip64Marker32 || header == kZip64Marker32) {
    throw ArchiveError(name + " has inconsistent sizes (the zip directory is corrupt)");
  }
  if (header > bytes.size() - kLocalHeaderSize || read_le(bytes, header, 4) != kLocalHeaderSignature) {
    throw ArchiveError(name + " has no valid local header (the file is corrupt)");
  }
  const std::uint64_t data =
      header + kLocalHeaderSize + read_le(bytes, header + 26, 2) + read_le(bytes, header + 28, 2);
  if (data > bytes.size() || size > bytes.size() - data) {
    throw ArchiveError(name + " extends past the end of the file (truncated?)");
  }
  if (crc32(bytes.data() + data, size) != crc) {
    throw ArchiveError(name + " fails its CRC-32 check (the file is corrupt)");
  }
}

void check_zip_archive(const Bytes& bytes) {
  const Directory directory = read_directory_location(bytes, find_end_record(bytes));
  const std::string corrupt = "zip directory is corrupt or truncated";
  if (directory.entries != directory.entries_on_disk || directory.offset > bytes.size() ||
      directory.size > bytes.size() - directory.offset) {
    throw ArchiveError(corrupt);
  }
  const std::uint64_t directory_end = directory.offset + directory.size;
  std::uint64_t offset = directory.offset;
  for (std::uint64_t i = 0; i < directory.entries; ++i) {
    if (directory_end - offset < kEntrySize || read_le(bytes, offset, 4) != kEntrySignature) {
      throw ArchiveError(corrupt);
    }
    const std::uint64_t entry_size =
        kEntrySize + read_le(bytes, offset + 28, 2) + read_le(bytes, offset + 30, 2) + read_le(bytes, offset + 32, 2);
    if (directory_end - offset < entry_size) throw ArchiveError(corrupt);
    check_entry(bytes, offset);
    offset += entry_size;
  }
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

std::vector<PickledTensor> read_pickle(caffe2::serialize::PyTorchStreamReader& reader) {
  if (!reader.hasRecord("data.pkl")) throw ArchiveError("no data.pkl record: not a torch.save archive");
  const auto [data, size] = reader.getRecord("data.pkl");
  try {
    return parse_tensor_dict_pickle(static_cast<const std::uint8_t*>(data.get()), size);
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

// Every tensor of the archive, contiguous, on the CPU.
std::vector<NamedTensor> read_archive(const fs::path& file) {
  const Bytes bytes = read_file(file);
  check_zip_archive(bytes);
  caffe2::serialize::PyTorchStreamReader reader(std::make_shared<BufferReadAdapter>(bytes));
  const std::vector<PickledTensor> pickled = read_pickle(reader);

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
  return tensors;
}

// What the file says about itself (names, keys) may hold any bytes; messages show only printable ASCII.
std::string printable(std::string text) {
  for (char& c : text) c = (c >= 0x20 && c < 0x7f) ? c : '?';
  return text;
}

}  // namespace

std::vector<NamedTensor> read_tensor_archive(const std::filesystem::path& file, const torch::Device& device) {
  const std::string prefix = file.string() + ": ";
  std::vector<NamedTensor> tensors;
  try {
    tensors = read_archive(file);
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
  // Outside the try: a device that cannot be used is not a problem of the file.
  for (auto& entry : tensors) entry.tensor = entry.tensor.to(device);
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
