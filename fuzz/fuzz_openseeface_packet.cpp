// libFuzzer target: OpenSeeFace datagrams, the face-record mapping (twice, as its state carries over) and the
// converter. Any crash, sanitizer report, a rejected packet that wrote the face, a blendshape outside 0..1,
// a non-finite head angle or a pose outside its ranges is a bug.

#include "fuzz/face_frame_checks.h"
#include "tracking/network/openseeface_face.h"
#include "tracking/network/openseeface_packet.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tha4::tracking;
  const std::string_view packet(reinterpret_cast<const char*>(data), size);
  constexpr std::int32_t kUntouched = -12345;
  OpenSeeFaceFace face;
  face.id = kUntouched;
  face.camera_width = -1.0f;
  const OpenSeeFaceParseResult parsed = parse_openseeface_packet(packet, face);
  if (!parsed.ok()) {
    if (face.id != kUntouched || face.camera_width != -1.0f || parsed.face_count != 0) std::abort();
    return 0;
  }
  if (size % kOpenSeeFaceRecordBytes != 0 || parsed.face_count != static_cast<int>(size / kOpenSeeFaceRecordBytes) ||
      !(face.camera_width > 0.0f)) {
    std::abort();
  }
  OpenSeeFaceFaceConverter converter;
  for (int round = 0; round < 2; ++round) tha4::fuzz::abort_unless_valid(converter.convert(face));
  return 0;
}
