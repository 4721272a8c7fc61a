#include "inference/weights/zip_check.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <string>

namespace tha4 {
namespace {

using Bytes = std::vector<char>;

// For stored records with 32-bit sizes miniz itself checks each size against the file size, so only those are
// accepted. The directory is located exactly as miniz locates it, so both see the same entries.

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
constexpr std::uint64_t kDosDirectoryAttribute = 0x10;
constexpr std::uint64_t kTorchSaveFlags = 0x0808;

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
  if (bytes.size() < kEndSize) throw ZipCheckError(not_zip);
  const std::size_t last = bytes.size() - kEndSize;
  const std::size_t first = last > kMaxZipCommentBytes ? last - kMaxZipCommentBytes : 0;
  for (std::size_t offset = last + 1; offset-- > first;) {
    if (read_le(bytes, offset, 4) == kEndSignature) return offset;
  }
  throw ZipCheckError(not_zip);
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
  if (zip64_end > bytes.size() - kZip64EndSize) throw ZipCheckError("zip64 end record lies outside the file");
  if (read_le(bytes, zip64_end, 4) != kZip64EndSignature) return classic;
  const Directory zip64{read_le(bytes, zip64_end + 32, 8), read_le(bytes, zip64_end + 24, 8),
                        read_le(bytes, zip64_end + 40, 8), read_le(bytes, zip64_end + 48, 8)};
  const auto agree = [](std::uint64_t narrow, std::uint64_t wide, std::uint64_t marker) {
    return narrow == wide || narrow == marker;
  };
  if (!agree(classic.entries, zip64.entries, kZip64Marker16) ||
      !agree(classic.entries_on_disk, zip64.entries_on_disk, kZip64Marker16) ||
      !agree(classic.size, zip64.size, kZip64Marker32) || !agree(classic.offset, zip64.offset, kZip64Marker32)) {
    throw ZipCheckError("zip end records disagree (the file is corrupt)");
  }
  return zip64;
}

struct Record {
  std::string name;
  std::uint64_t data = 0;  // offset of the record's bytes
  std::uint64_t size = 0;
};

// Checks one directory entry and its record; returns where the record's bytes are.
Record check_entry(const Bytes& bytes, std::uint64_t offset) {
  const std::string file_name(bytes.data() + offset + kEntrySize, read_le(bytes, offset + 28, 2));
  // torch.save names records in printable ASCII; LibTorch passes names through C strings, so a NUL inside one
  // would make it look up a different name than this check (found by fuzz/fuzz_tensor_archive).
  const bool printable = std::all_of(file_name.begin(), file_name.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
  if (!printable || file_name.empty()) throw ZipCheckError("a zip record name holds bytes torch.save never writes");
  const std::string name = "zip record '" + file_name + "'";
  const std::uint64_t flags = read_le(bytes, offset + 8, 2);
  const std::uint64_t method = read_le(bytes, offset + 10, 2);
  const std::uint64_t crc = read_le(bytes, offset + 16, 4);
  const std::uint64_t packed_size = read_le(bytes, offset + 20, 4);
  const std::uint64_t size = read_le(bytes, offset + 24, 4);
  const std::uint64_t header = read_le(bytes, offset + 42, 4);
  if (method != 0) {
    throw ZipCheckError(name + " uses compression method " + std::to_string(method) +
                        " (torch.save stores records uncompressed)");
  }
  if (flags & 1) throw ZipCheckError(name + " is encrypted");
  // torch.save sets only "sizes in a data descriptor" and "UTF-8 names"; miniz refuses some other flags (strong
  // encryption, patches) only when a record is read, which for the version record is inside PyTorchStreamReader's
  // constructor, where a throw leaks (found by fuzz/fuzz_tensor_archive).
  if ((flags & ~kTorchSaveFlags) != 0) {
    throw ZipCheckError(name + " uses zip features torch.save never writes (flags " + std::to_string(flags) + ")");
  }
  // miniz treats such an entry as a folder and extracts nothing, leaving the caller's buffer as it was
  // allocated (found by fuzz/fuzz_tensor_archive); torch.save writes no folder entries.
  const std::uint64_t external_attributes = read_le(bytes, offset + 38, 4);
  if ((!file_name.empty() && file_name.back() == '/') || (external_attributes & kDosDirectoryAttribute) != 0) {
    throw ZipCheckError(name + " is a folder entry (not a torch.save archive)");
  }
  if (packed_size != size || size == kZip64Marker32 || header == kZip64Marker32) {
    throw ZipCheckError(name + " has inconsistent sizes (the zip directory is corrupt)");
  }
  if (header > bytes.size() - kLocalHeaderSize || read_le(bytes, header, 4) != kLocalHeaderSignature) {
    throw ZipCheckError(name + " has no valid local header (the file is corrupt)");
  }
  const std::uint64_t data =
      header + kLocalHeaderSize + read_le(bytes, header + 26, 2) + read_le(bytes, header + 28, 2);
  if (data > bytes.size() || size > bytes.size() - data) {
    throw ZipCheckError(name + " extends past the end of the file (truncated?)");
  }
  if (crc32(bytes.data() + data, size) != crc) {
    throw ZipCheckError(name + " fails its CRC-32 check (the file is corrupt)");
  }
  return {file_name, data, size};
}

// What PyTorchStreamReader's constructor insists on. It must never throw there: LibTorch 1.13 then leaks the
// zip reader's state (found by fuzz/fuzz_tensor_archive). All records sit in one folder, the first names it,
// and "<folder>/version" (or "<folder>/.data/version") holds a supported format version in decimal.
void check_reader_preconditions(const Bytes& bytes, const std::vector<Record>& records,
                                const TorchZipVersions& versions) {
  if (records.empty()) throw ZipCheckError("the zip archive holds no records");
  const std::size_t slash = records.front().name.find('/');
  if (slash == std::string::npos || slash == 0) {
    throw ZipCheckError("zip record '" + records.front().name + "' is not inside a folder (not a torch.save archive)");
  }
  // miniz looks names up ignoring case, so two names that differ only in case would make "the" version record
  // ambiguous; torch.save never writes such pairs.
  std::vector<std::string> folded;
  for (const Record& record : records) {
    std::string name = record.name;
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    folded.push_back(std::move(name));
  }
  std::sort(folded.begin(), folded.end());
  const auto repeated = std::adjacent_find(folded.begin(), folded.end());
  if (repeated != folded.end()) throw ZipCheckError("zip record '" + *repeated + "' appears twice");
  const std::string folder = records.front().name.substr(0, slash + 1);
  const Record* version = nullptr;
  for (const Record& record : records) {
    if (record.name == folder + ".data/version") version = &record;
    if (version == nullptr && record.name == folder + "version") version = &record;
  }
  if (version == nullptr) throw ZipCheckError("no " + folder + "version record (not a torch.save archive)");
  // The digits, allowing the newline torch.save writes after them.
  const std::string text(bytes.data() + version->data, version->size);
  std::size_t end = text.find_last_not_of(" \t\r\n");
  end = end == std::string::npos ? 0 : end + 1;
  std::uint64_t number = 0;
  bool valid = end > 0 && end <= 19;
  for (std::size_t i = 0; valid && i < end; ++i) {
    valid = text[i] >= '0' && text[i] <= '9';
    number = number * 10 + static_cast<std::uint64_t>(text[i] - '0');
  }
  if (!valid || number < versions.min || number > versions.max) {
    throw ZipCheckError("unsupported torch.save format version '" + text.substr(0, 20) + "' (this LibTorch reads " +
                        std::to_string(versions.min) + " to " + std::to_string(versions.max) + ")");
  }
}

}  // namespace

void check_torch_zip(const Bytes& bytes, const TorchZipVersions& versions) {
  const Directory directory = read_directory_location(bytes, find_end_record(bytes));
  const std::string corrupt = "zip directory is corrupt or truncated";
  if (directory.entries != directory.entries_on_disk || directory.offset > bytes.size() ||
      directory.size > bytes.size() - directory.offset) {
    throw ZipCheckError(corrupt);
  }
  const std::uint64_t directory_end = directory.offset + directory.size;
  std::uint64_t offset = directory.offset;
  std::vector<Record> records;
  for (std::uint64_t i = 0; i < directory.entries; ++i) {
    if (directory_end - offset < kEntrySize || read_le(bytes, offset, 4) != kEntrySignature) {
      throw ZipCheckError(corrupt);
    }
    const std::uint64_t entry_size =
        kEntrySize + read_le(bytes, offset + 28, 2) + read_le(bytes, offset + 30, 2) + read_le(bytes, offset + 32, 2);
    if (directory_end - offset < entry_size) throw ZipCheckError(corrupt);
    records.push_back(check_entry(bytes, offset));
    offset += entry_size;
  }
  check_reader_preconditions(bytes, records, versions);
}

}  // namespace tha4
