#include "tracking/network/ifacialmocap_packet.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <optional>

namespace tha4::tracking {
namespace {

using Error = IFacialMocapPacketError;

constexpr std::string_view kHeadPrefix = "=head#";
constexpr std::string_view kRightEyePrefix = "rightEye#";
constexpr std::string_view kLeftEyePrefix = "leftEye#";
// The longest ARKit name is 19 characters; anything much longer is not a blendshape.
constexpr std::size_t kMaxNameLength = 64;
constexpr std::size_t kMaxNumberLength = 48;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

// Locale-independent (OBS may run under a locale whose decimal separator is a comma) and strict: the
// whole token must be one finite number.
std::optional<float> parse_finite_number(std::string_view text) {
  text = trim(text);
  if (text.empty() || text.size() > kMaxNumberLength) return std::nullopt;
  float value = 0.0f;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) return std::nullopt;
  return value;
}

// Splits `a,b,c` into exactly N finite numbers.
template <std::size_t N>
std::optional<std::array<float, N>> parse_number_list(std::string_view text) {
  std::array<float, N> values{};
  for (std::size_t i = 0; i < N; ++i) {
    const std::size_t comma = text.find(',');
    const bool last = i + 1 == N;
    if (last != (comma == std::string_view::npos)) return std::nullopt;  // too few or too many fields
    const auto value = parse_finite_number(text.substr(0, comma));
    if (!value) return std::nullopt;
    values[i] = *value;
    if (!last) text.remove_prefix(comma + 1);
  }
  return values;
}

// `eyeBlink_L` → eyeBlinkLeft, `jawOpen` → jawOpen; unknown names are not an error (the reference
// drops them), so the result is empty for them.
std::optional<Blendshape> blendshape_from_packet_name(std::string_view name) {
  std::array<char, kMaxNameLength + 8> spelled{};
  std::size_t length = 0;
  const auto append = [&](std::string_view text) {
    std::copy(text.begin(), text.end(), spelled.begin() + static_cast<std::ptrdiff_t>(length));
    length += text.size();
  };
  const std::string_view suffix = name.size() > 2 ? name.substr(name.size() - 2) : std::string_view();
  if (suffix == "_L" || suffix == "_R") {
    append(name.substr(0, name.size() - 2));
    append(suffix == "_L" ? "Left" : "Right");
  } else {
    append(name);
  }
  return find_blendshape(std::string_view(spelled.data(), length));
}

Error parse_blendshape_part(std::string_view part, IFacialMocapPacket& packet) {
  const std::size_t ampersand = part.find('&');
  if (part.find('&', ampersand + 1) != std::string_view::npos) return Error::kBadBlendshapePart;
  const std::string_view name = part.substr(0, ampersand);
  if (name.empty() || name.size() > kMaxNameLength) return Error::kBadBlendshapePart;
  const auto value = parse_finite_number(part.substr(ampersand + 1));
  if (!value) return Error::kBadNumber;
  if (const auto shape = blendshape_from_packet_name(name)) {
    packet.frame.blendshapes[*shape] = std::clamp(*value / 100.0f, 0.0f, 1.0f);
    ++packet.blendshape_count;
  }
  return Error::kNone;
}

Error parse_head_part(std::string_view numbers, IFacialMocapPacket& packet) {
  // Rotation in degrees, then a position the converter does not use.
  const auto values = parse_number_list<6>(numbers);
  if (!values) return Error::kBadHeadPart;
  packet.frame.head = HeadRotation{(*values)[0], (*values)[1], (*values)[2]};
  packet.has_head_rotation = true;
  return Error::kNone;
}

Error parse_part(std::string_view part, IFacialMocapPacket& packet) {
  if (part.find('&') != std::string_view::npos) return parse_blendshape_part(part, packet);
  if (starts_with(part, kHeadPrefix)) return parse_head_part(part.substr(kHeadPrefix.size()), packet);
  // Eye-bone rotations are checked but not kept: the converter takes the iris rotation from the
  // eyeLook blendshapes (spec §7.4).
  if (starts_with(part, kRightEyePrefix)) {
    return parse_number_list<3>(part.substr(kRightEyePrefix.size())) ? Error::kNone : Error::kBadEyePart;
  }
  if (starts_with(part, kLeftEyePrefix)) {
    return parse_number_list<3>(part.substr(kLeftEyePrefix.size())) ? Error::kNone : Error::kBadEyePart;
  }
  // The reference ignores parts it does not know; so does this parser, so that fields added by newer
  // app versions do not break tracking.
  return Error::kNone;
}

}  // namespace

std::string_view describe(IFacialMocapPacketError error) {
  switch (error) {
    case Error::kNone: return "ok";
    case Error::kTooLarge: return "packet too large";
    case Error::kTooManyParts: return "too many fields";
    case Error::kBadBlendshapePart: return "a blendshape field is not name&value";
    case Error::kBadNumber: return "a value is not a finite number";
    case Error::kBadHeadPart: return "the head field does not have 6 numbers";
    case Error::kBadEyePart: return "an eye field does not have 3 numbers";
    case Error::kNoTrackingData: return "no blendshapes or head rotation (is the app sending protocol v2?)";
  }
  return "unknown error";
}

IFacialMocapParseResult parse_ifacialmocap_packet(std::string_view bytes) {
  IFacialMocapParseResult result;
  if (bytes.size() > kMaxIFacialMocapPacketBytes) {
    result.error = Error::kTooLarge;
    return result;
  }
  int parts = 0;
  while (!bytes.empty()) {
    const std::size_t bar = bytes.find('|');
    const std::string_view part = trim(bytes.substr(0, bar));
    bytes = bar == std::string_view::npos ? std::string_view() : bytes.substr(bar + 1);
    if (part.empty()) continue;
    if (++parts > kMaxIFacialMocapParts) {
      result.error = Error::kTooManyParts;
      return result;
    }
    result.error = parse_part(part, result.packet);
    if (!result.ok()) return result;
  }
  if (result.packet.blendshape_count == 0 && !result.packet.has_head_rotation) result.error = Error::kNoTrackingData;
  return result;
}

}  // namespace tha4::tracking
