#include "tracking/network/osc_message.h"

#include <cstring>
#include <stdexcept>

namespace tha4::tracking {
namespace {

constexpr std::string_view kBundleTag("#bundle\0", 8);

std::uint32_t load_big_endian_32(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return (std::uint32_t{u[0]} << 24) | (std::uint32_t{u[1]} << 16) | (std::uint32_t{u[2]} << 8) | std::uint32_t{u[3]};
}

std::uint64_t load_big_endian_64(const char* p) {
  return (std::uint64_t{load_big_endian_32(p)} << 32) | load_big_endian_32(p + 4);
}

std::size_t padded_to_4(std::size_t n) { return (n + 3) & ~std::size_t{3}; }

// Reads the 4-byte-aligned fields of one message or bundle; every read checks the bounds first.
class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}

  bool at_end() const { return position_ == data_.size(); }
  std::size_t remaining() const { return data_.size() - position_; }

  bool read_32(std::uint32_t& value) {
    if (remaining() < 4) return false;
    value = load_big_endian_32(data_.data() + position_);
    position_ += 4;
    return true;
  }
  bool read_64(std::uint64_t& value) {
    if (remaining() < 8) return false;
    value = load_big_endian_64(data_.data() + position_);
    position_ += 8;
    return true;
  }

  // An OSC-string: bytes up to a NUL, then NULs up to the next multiple of 4.
  OscError read_string(std::string_view& value) {
    const std::size_t terminator = data_.find('\0', position_);
    if (terminator == std::string_view::npos) return OscError::kBadString;
    const std::size_t end = position_ + padded_to_4(terminator - position_ + 1);
    if (end > data_.size()) return OscError::kTruncated;
    for (std::size_t i = terminator; i < end; ++i) {
      if (data_[i] != '\0') return OscError::kBadString;
    }
    value = data_.substr(position_, terminator - position_);
    position_ = end;
    return OscError::kNone;
  }

  // An OSC-blob: a 32-bit size, the bytes, then NULs up to the next multiple of 4.
  OscError read_blob(std::string_view& value) {
    std::uint32_t size = 0;
    if (!read_32(size)) return OscError::kTruncated;
    if (padded_to_4(size) > remaining()) return OscError::kTruncated;
    const std::size_t end = position_ + padded_to_4(size);
    for (std::size_t i = position_ + size; i < end; ++i) {
      if (data_[i] != '\0') return OscError::kBadString;
    }
    value = data_.substr(position_, size);
    position_ = end;
    return OscError::kNone;
  }

  std::string_view take(std::size_t n) {
    const std::string_view part = data_.substr(position_, n);
    position_ += n;
    return part;
  }

 private:
  std::string_view data_;
  std::size_t position_ = 0;
};

bool is_address_character(char c) { return c > ' ' && c < 0x7f; }

OscError read_argument(char tag, Reader& reader, OscArgument& argument) {
  argument = OscArgument{};
  std::uint32_t bits32 = 0;
  std::uint64_t bits64 = 0;
  switch (tag) {
    case 'i':
      if (!reader.read_32(bits32)) return OscError::kTruncated;
      argument.type = OscType::kInt32;
      argument.integer = static_cast<std::int32_t>(bits32);
      return OscError::kNone;
    case 'f': {
      if (!reader.read_32(bits32)) return OscError::kTruncated;
      float value = 0.0f;
      std::memcpy(&value, &bits32, sizeof value);
      argument.type = OscType::kFloat32;
      argument.number = value;
      return OscError::kNone;
    }
    case 's': argument.type = OscType::kString; return reader.read_string(argument.bytes);
    case 'b': argument.type = OscType::kBlob; return reader.read_blob(argument.bytes);
    case 'h':
      if (!reader.read_64(bits64)) return OscError::kTruncated;
      argument.type = OscType::kInt64;
      argument.integer = static_cast<std::int64_t>(bits64);
      return OscError::kNone;
    case 'd': {
      if (!reader.read_64(bits64)) return OscError::kTruncated;
      double value = 0.0;
      std::memcpy(&value, &bits64, sizeof value);
      argument.type = OscType::kFloat64;
      argument.number = value;
      return OscError::kNone;
    }
    case 't':
      if (!reader.read_64(bits64)) return OscError::kTruncated;
      argument.type = OscType::kTimeTag;
      argument.integer = static_cast<std::int64_t>(bits64);
      return OscError::kNone;
    case 'T': argument.type = OscType::kTrue; return OscError::kNone;
    case 'F': argument.type = OscType::kFalse; return OscError::kNone;
    case 'N': argument.type = OscType::kNil; return OscError::kNone;
    case 'I': argument.type = OscType::kInfinitum; return OscError::kNone;
    default: return OscError::kUnsupportedType;
  }
}

OscError parse_message(std::string_view data, OscMessage& message) {
  Reader reader(data);
  message.argument_count = 0;
  if (const OscError error = reader.read_string(message.address); error != OscError::kNone) return error;
  if (message.address.empty() || message.address.front() != '/') return OscError::kBadAddress;
  for (const char c : message.address) {
    if (!is_address_character(c)) return OscError::kBadAddress;
  }
  if (reader.at_end()) return OscError::kMissingTypeTags;
  std::string_view tags;
  if (const OscError error = reader.read_string(tags); error != OscError::kNone) return error;
  if (tags.empty() || tags.front() != ',') return OscError::kMissingTypeTags;
  tags.remove_prefix(1);
  if (tags.size() > static_cast<std::size_t>(kMaxOscArguments)) return OscError::kTooManyArguments;
  for (const char tag : tags) {
    OscArgument& argument = message.arguments[static_cast<std::size_t>(message.argument_count)];
    if (const OscError error = read_argument(tag, reader, argument); error != OscError::kNone) return error;
    ++message.argument_count;
  }
  return reader.at_end() ? OscError::kNone : OscError::kTrailingBytes;
}

// Parses one message or bundle at nesting `depth` (the number of bundles around it); calls the handler
// only when one is given, so the same walk serves the checking pass and the delivering pass.
OscError parse_element(std::string_view data, int depth, const OscMessageHandler* on_message) {
  if (data.empty() || data.size() % 4 != 0) return OscError::kNotAligned;
  if (data.front() == '/') {
    OscMessage message;
    if (const OscError error = parse_message(data, message); error != OscError::kNone) return error;
    if (on_message) (*on_message)(message);
    return OscError::kNone;
  }
  if (data.substr(0, kBundleTag.size()) != kBundleTag) return OscError::kBadAddress;
  if (depth + 1 > kMaxOscBundleDepth) return OscError::kTooDeep;

  Reader reader(data.substr(kBundleTag.size()));
  std::uint64_t time_tag = 0;  // ignored: every element applies on arrival
  if (!reader.read_64(time_tag)) return OscError::kTruncated;
  while (!reader.at_end()) {
    std::uint32_t size = 0;
    if (!reader.read_32(size)) return OscError::kTruncated;
    if (size == 0 || size % 4 != 0) return OscError::kBadBundleElement;
    if (size > reader.remaining()) return OscError::kTruncated;
    const OscError error = parse_element(reader.take(size), depth + 1, on_message);
    if (error != OscError::kNone) return error;
  }
  return OscError::kNone;
}

void append_big_endian_32(std::string& out, std::uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((value >> shift) & 0xff));
}

void append_big_endian_64(std::string& out, std::uint64_t value) {
  append_big_endian_32(out, static_cast<std::uint32_t>(value >> 32));
  append_big_endian_32(out, static_cast<std::uint32_t>(value));
}

void pad_to_4(std::string& out) {
  while (out.size() % 4 != 0) out.push_back('\0');
}

void append_osc_string(std::string& out, std::string_view text) {
  if (text.find('\0') != std::string_view::npos) throw std::invalid_argument("OSC string contains a NUL byte");
  out.append(text);
  out.push_back('\0');
  pad_to_4(out);
}

void append_argument(std::string& out, const OscArgument& argument) {
  switch (argument.type) {
    case OscType::kInt32: append_big_endian_32(out, static_cast<std::uint32_t>(argument.integer)); return;
    case OscType::kFloat32: {
      const float value = static_cast<float>(argument.number);
      std::uint32_t bits = 0;
      std::memcpy(&bits, &value, sizeof bits);
      append_big_endian_32(out, bits);
      return;
    }
    case OscType::kString: append_osc_string(out, argument.bytes); return;
    case OscType::kBlob:
      append_big_endian_32(out, static_cast<std::uint32_t>(argument.bytes.size()));
      out.append(argument.bytes);
      pad_to_4(out);
      return;
    case OscType::kInt64:
    case OscType::kTimeTag: append_big_endian_64(out, static_cast<std::uint64_t>(argument.integer)); return;
    case OscType::kFloat64: {
      std::uint64_t bits = 0;
      std::memcpy(&bits, &argument.number, sizeof bits);
      append_big_endian_64(out, bits);
      return;
    }
    case OscType::kTrue:
    case OscType::kFalse:
    case OscType::kNil:
    case OscType::kInfinitum: return;
  }
}

}  // namespace

OscArgument OscArgument::int32(std::int32_t value) {
  OscArgument argument;
  argument.type = OscType::kInt32;
  argument.integer = value;
  return argument;
}

OscArgument OscArgument::float32(float value) {
  OscArgument argument;
  argument.type = OscType::kFloat32;
  argument.number = value;
  return argument;
}

OscArgument OscArgument::string(std::string_view value) {
  OscArgument argument;
  argument.type = OscType::kString;
  argument.bytes = value;
  return argument;
}

OscArgument OscArgument::blob(std::string_view value) {
  OscArgument argument;
  argument.type = OscType::kBlob;
  argument.bytes = value;
  return argument;
}

std::string_view describe(OscError error) {
  switch (error) {
    case OscError::kNone: return "ok";
    case OscError::kTooLarge: return "packet too large";
    case OscError::kNotAligned: return "size is not a positive multiple of 4";
    case OscError::kBadAddress: return "not an OSC message or bundle";
    case OscError::kBadString: return "unterminated string or non-zero padding";
    case OscError::kMissingTypeTags: return "no type tag string";
    case OscError::kUnsupportedType: return "unsupported argument type";
    case OscError::kTooManyArguments: return "too many arguments";
    case OscError::kTruncated: return "truncated";
    case OscError::kTrailingBytes: return "bytes after the last argument";
    case OscError::kBadBundleElement: return "bad bundle element size";
    case OscError::kTooDeep: return "bundles nested too deeply";
  }
  return "unknown error";
}

OscError parse_osc_packet(std::string_view packet, const OscMessageHandler& on_message) {
  if (packet.size() > kMaxOscPacketBytes) return OscError::kTooLarge;
  if (const OscError error = parse_element(packet, 0, nullptr); error != OscError::kNone) return error;
  return parse_element(packet, 0, &on_message);
}

std::string encode_osc_message(std::string_view address, const std::vector<OscArgument>& arguments) {
  if (address.empty() || address.front() != '/') throw std::invalid_argument("OSC address must start with '/'");
  if (arguments.size() > static_cast<std::size_t>(kMaxOscArguments)) {
    throw std::invalid_argument("too many OSC arguments");
  }
  std::string out;
  append_osc_string(out, address);
  std::string tags = ",";
  for (const OscArgument& argument : arguments) tags.push_back(static_cast<char>(argument.type));
  append_osc_string(out, tags);
  for (const OscArgument& argument : arguments) append_argument(out, argument);
  return out;
}

std::string encode_osc_bundle(const std::vector<std::string>& elements, std::uint64_t time_tag) {
  std::string out(kBundleTag);
  append_big_endian_64(out, time_tag);
  for (const std::string& element : elements) {
    append_big_endian_32(out, static_cast<std::uint32_t>(element.size()));
    out.append(element);
  }
  return out;
}

}  // namespace tha4::tracking
