#include "inference/weights/zip_check.h"

#include <array>
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
    throw ZipCheckError(name + " uses compression method " + std::to_string(method) +
                       " (torch.save stores records uncompressed)");
  }
  if (flags & 1) throw ZipCheckError(name + " is encrypted");
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
}

}  // namespace

void check_torch_zip(const Bytes& bytes) {
  const Directory directory = read_directory_location(bytes, find_end_record(bytes));
  const std::string corrupt = "zip directory is corrupt or truncated";
  if (directory.entries != directory.entries_on_disk || directory.offset > bytes.size() ||
      directory.size > bytes.size() - directory.offset) {
    throw ZipCheckError(corrupt);
  }
  const std::uint64_t directory_end = directory.offset + directory.size;
  std::uint64_t offset = directory.offset;
  for (std::uint64_t i = 0; i < directory.entries; ++i) {
    if (directory_end - offset < kEntrySize || read_le(bytes, offset, 4) != kEntrySignature) {
      throw ZipCheckError(corrupt);
    }
    const std::uint64_t entry_size =
        kEntrySize + read_le(bytes, offset + 28, 2) + read_le(bytes, offset + 30, 2) + read_le(bytes, offset + 32, 2);
    if (directory_end - offset < entry_size) throw ZipCheckError(corrupt);
    check_entry(bytes, offset);
    offset += entry_size;
  }
}

}  // namespace tha4
