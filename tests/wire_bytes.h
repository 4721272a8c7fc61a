#pragma once
// Test helpers that write wire formats byte by byte, from the formats' documentation and independently of the
// project's own encoders, so that a mistake shared by an encoder and its parser cannot hide:
//   OSC 1.0 (opensoundcontrol.org): big-endian int32/float32, strings NUL-terminated and padded to 4 bytes,
//   a type-tag string ",sf...", bundles "#bundle\0" + 8-byte time tag + (int32 size, element)*;
//   little-endian records as OpenSeeFace's facetracker.py packs them (struct "d", "i", "f", "B").

#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace tha4::test {

class ByteWriter {
 public:
  ByteWriter& u8(std::uint8_t value) {
    bytes_.push_back(static_cast<char>(value));
    return *this;
  }
  ByteWriter& u32_le(std::uint32_t value) {
    for (int i = 0; i < 4; ++i) u8(static_cast<std::uint8_t>(value >> (8 * i)));
    return *this;
  }
  ByteWriter& u32_be(std::uint32_t value) {
    for (int i = 3; i >= 0; --i) u8(static_cast<std::uint8_t>(value >> (8 * i)));
    return *this;
  }
  ByteWriter& u64_le(std::uint64_t value) {
    for (int i = 0; i < 8; ++i) u8(static_cast<std::uint8_t>(value >> (8 * i)));
    return *this;
  }
  ByteWriter& i32_le(std::int32_t value) { return u32_le(static_cast<std::uint32_t>(value)); }
  ByteWriter& f32_le(float value) { return u32_le(bits_of(value)); }
  ByteWriter& f32_be(float value) { return u32_be(bits_of(value)); }
  ByteWriter& f64_le(double value) {
    std::uint64_t bits = 0;
    std::memcpy(&bits, &value, sizeof bits);
    return u64_le(bits);
  }
  // An OSC string: the characters, a NUL, then NULs up to a multiple of 4.
  ByteWriter& osc_string(std::string_view text) {
    bytes_.append(text);
    do {
      bytes_.push_back('\0');
    } while (bytes_.size() % 4 != 0);
    return *this;
  }
  ByteWriter& raw(std::string_view bytes) {
    bytes_.append(bytes);
    return *this;
  }
  const std::string& bytes() const { return bytes_; }

 private:
  static std::uint32_t bits_of(float value) {
    std::uint32_t bits = 0;
    std::memcpy(&bits, &value, sizeof bits);
    return bits;
  }
  std::string bytes_;
};

using OscValue = std::variant<std::string, float>;

// One OSC message with string and float32 arguments.
inline std::string osc_message_bytes(std::string_view address, std::initializer_list<OscValue> arguments) {
  std::string tags = ",";
  for (const OscValue& argument : arguments) tags += std::holds_alternative<std::string>(argument) ? 's' : 'f';
  ByteWriter out;
  out.osc_string(address).osc_string(tags);
  for (const OscValue& argument : arguments) {
    if (const auto* text = std::get_if<std::string>(&argument)) {
      out.osc_string(*text);
    } else {
      out.f32_be(std::get<float>(argument));
    }
  }
  return out.bytes();
}

// An OSC bundle with the "immediately" time tag.
inline std::string osc_bundle_bytes(const std::vector<std::string>& elements) {
  ByteWriter out;
  out.osc_string("#bundle").u32_be(0).u32_be(1);
  for (const std::string& element : elements) out.u32_be(static_cast<std::uint32_t>(element.size())).raw(element);
  return out.bytes();
}

}  // namespace tha4::test
