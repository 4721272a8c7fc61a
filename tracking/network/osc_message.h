#pragma once
// OSC 1.0 (opensoundcontrol.org/spec-1_0), the encoding under the VMC protocol: a strict parser for
// packets from the network (messages and bundles, bounded size, argument count and nesting) and a small
// encoder for building packets (tests, fuzz seeds, senders).

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace tha4::tracking {

// The largest UDP payload over IPv4 is 65507 bytes.
constexpr std::size_t kMaxOscPacketBytes = 65536;
// A message with more arguments is rejected (VMC's longest, /VMC/Ext/Bone/Pos, has 8).
constexpr int kMaxOscArguments = 32;
// Bundles inside bundles; the outermost bundle is depth 1.
constexpr int kMaxOscBundleDepth = 8;
// The OSC time tag meaning "immediately".
constexpr std::uint64_t kOscTimeTagImmediately = 1;

// The OSC type tags this parser accepts: the OSC 1.0 required types, the common optional ones, and the
// data-less ones. Anything else (arrays, MIDI, colours, ...) makes a packet malformed.
enum class OscType : char {
  kInt32 = 'i',
  kFloat32 = 'f',
  kString = 's',
  kBlob = 'b',
  kInt64 = 'h',
  kFloat64 = 'd',
  kTimeTag = 't',
  kTrue = 'T',
  kFalse = 'F',
  kNil = 'N',
  kInfinitum = 'I',
};

struct OscArgument {
  OscType type = OscType::kNil;
  std::int64_t integer = 0;  // kInt32, kInt64, kTimeTag (the raw 64 bits)
  double number = 0.0;       // kFloat32 (exactly), kFloat64
  std::string_view bytes;    // kString (without its terminator), kBlob; a view into the packet

  static OscArgument int32(std::int32_t value);
  static OscArgument float32(float value);
  static OscArgument string(std::string_view value);
  static OscArgument blob(std::string_view value);
};

struct OscMessage {
  std::string_view address;  // starts with '/'
  int argument_count = 0;
  std::array<OscArgument, kMaxOscArguments> arguments{};  // the first argument_count are set
};

enum class OscError {
  kNone,
  kTooLarge,          // over kMaxOscPacketBytes
  kNotAligned,        // empty, or a size that is not a multiple of 4
  kBadAddress,        // neither '/…' nor '#bundle', or a control character in the address
  kBadString,         // no terminator inside the packet, or padding that is not zero bytes
  kMissingTypeTags,   // no ',…' type tag string (allowed by OSC 1.0 for old senders; not here)
  kUnsupportedType,   // a type tag outside OscType
  kTooManyArguments,  // over kMaxOscArguments
  kTruncated,         // an argument or bundle element runs past the end
  kTrailingBytes,     // bytes after a message's last argument
  kBadBundleElement,  // an element size that is zero, negative or not a multiple of 4
  kTooDeep,           // bundles nested deeper than kMaxOscBundleDepth
};

// What is wrong, in plain words.
std::string_view describe(OscError error);

using OscMessageHandler = std::function<void(const OscMessage&)>;

// Checks the whole packet first; only a well-formed packet is delivered, one message at a time in
// packet order (bundle time tags are ignored: everything applies on arrival). The views inside each
// message point into `packet`.
OscError parse_osc_packet(std::string_view packet, const OscMessageHandler& on_message);

// Encodes one message. Throws std::invalid_argument for an address without a leading '/', more than
// kMaxOscArguments arguments, or a NUL byte inside the address or a string argument.
std::string encode_osc_message(std::string_view address, const std::vector<OscArgument>& arguments);
// Wraps already encoded messages or bundles in a bundle.
std::string encode_osc_bundle(const std::vector<std::string>& elements,
                              std::uint64_t time_tag = kOscTimeTagImmediately);

}  // namespace tha4::tracking
