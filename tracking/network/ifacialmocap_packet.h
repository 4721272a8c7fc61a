#pragma once
// The iFacialMocap v2 text packet (spec §7.4):
//   `eyeBlink_L&37|jawOpen&5|…|=head#rx,ry,rz,px,py,pz|rightEye#rx,ry,rz|leftEye#rx,ry,rz|`
// parsed strictly and without allocation: the bytes come from the network, so every field is bounded
// and a malformed packet is rejected whole rather than half applied.

#include "tracking/network/blendshapes.h"

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace tha4::tracking {

constexpr std::uint16_t kIFacialMocapPort = 49983;
// Sent to the phone to start streaming, exactly as the reference sends it.
constexpr std::string_view kIFacialMocapStartHandshake =
    "iFacialMocap_sahuasouryya9218sauhuiayeta91555dy3719|sendDataVersion=v2";
// The reference reads datagrams with recv(8192); a real packet is about 1.3 KB.
constexpr std::size_t kMaxIFacialMocapPacketBytes = 8192;
// A real packet has 52 blendshapes and 3 bone parts; this leaves room for additions.
constexpr int kMaxIFacialMocapParts = 256;

enum class IFacialMocapPacketError {
  kNone,
  kTooLarge,           // over kMaxIFacialMocapPacketBytes
  kTooManyParts,       // over kMaxIFacialMocapParts
  kBadBlendshapePart,  // not exactly `name&value`, or an empty or overlong name
  kBadNumber,          // not a finite decimal number
  kBadHeadPart,        // `=head#` without exactly 6 numbers
  kBadEyePart,         // `rightEye#` / `leftEye#` without exactly 3 numbers
  kNoTrackingData,     // no blendshape and no head rotation: not an iFacialMocap v2 packet
};

// What is wrong, in plain words.
std::string_view describe(IFacialMocapPacketError error);

struct IFacialMocapPacket {
  // Blendshapes the packet does not mention stay 0 (the reference would fail on such a packet); values
  // are the packet's 0..100 divided by 100, clamped into ARKit's 0..1. The head rotation is in degrees.
  FaceFrame frame;
  int blendshape_count = 0;  // recognised ARKit blendshapes in the packet
  bool has_head_rotation = false;
};

struct IFacialMocapParseResult {
  IFacialMocapPacketError error = IFacialMocapPacketError::kNone;
  IFacialMocapPacket packet;  // meaningful only when ok()
  bool ok() const { return error == IFacialMocapPacketError::kNone; }
};

IFacialMocapParseResult parse_ifacialmocap_packet(std::string_view bytes);

}  // namespace tha4::tracking
