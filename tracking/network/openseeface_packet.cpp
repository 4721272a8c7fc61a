#include "tracking/network/openseeface_packet.h"

#include <cmath>
#include <cstring>

namespace tha4::tracking {
namespace {

// Smallest norm accepted for a quaternion of a successful fit (facetracker.py's are unit length).
constexpr double kMinQuaternionNorm = 0.5;
constexpr double kMaxQuaternionNorm = 1.5;

// Reads little-endian values in order; the caller has checked the length.
class RecordReader {
 public:
  explicit RecordReader(const char* data) : data_(data) {}

  std::uint8_t u8() { return static_cast<std::uint8_t>(data_[offset_++]); }
  std::int32_t i32() { return static_cast<std::int32_t>(bits<std::uint32_t>()); }
  float f32() { return finite(from_bits<float>(bits<std::uint32_t>())); }
  double f64() { return finite(from_bits<double>(bits<std::uint64_t>())); }
  bool all_finite() const { return finite_; }

 private:
  template <class Unsigned>
  Unsigned bits() {
    Unsigned value = 0;
    for (std::size_t i = 0; i < sizeof(Unsigned); ++i) value |= static_cast<Unsigned>(u8()) << (8 * i);
    return value;
  }
  template <class Float, class Unsigned>
  static Float from_bits(Unsigned bits) {
    static_assert(sizeof(Float) == sizeof(Unsigned));
    Float value;
    std::memcpy(&value, &bits, sizeof value);
    return value;
  }
  template <class Float>
  Float finite(Float value) {
    finite_ = finite_ && std::isfinite(value);
    return value;
  }

  const char* data_;
  std::size_t offset_ = 0;
  bool finite_ = true;
};

OpenSeeFacePacketError read_face(const char* record, OpenSeeFaceFace& face) {
  RecordReader in(record);
  face.time = in.f64();
  face.id = in.i32();
  face.camera_width = in.f32();
  face.camera_height = in.f32();
  face.right_eye_open = in.f32();
  face.left_eye_open = in.f32();
  const std::uint8_t success = in.u8();
  face.pnp_error = in.f32();
  for (float& q : face.quaternion) q = in.f32();
  for (float& e : face.euler) e = in.f32();
  for (float& t : face.translation) t = in.f32();
  for (float& c : face.confidence) c = in.f32();
  for (auto& point : face.landmarks) {
    point.x = in.f32();
    point.y = in.f32();
  }
  for (auto& point : face.points_3d) {
    point.x = in.f32();
    point.y = in.f32();
    point.z = in.f32();
  }
  for (float& feature : face.features) feature = in.f32();
  if (!in.all_finite() || success > 1) return OpenSeeFacePacketError::kBadNumber;
  if (!(face.camera_width > 0.0f) || !(face.camera_height > 0.0f)) return OpenSeeFacePacketError::kBadCamera;
  face.success = success == 1;
  if (face.success) {
    double norm_squared = 0.0;
    for (const float q : face.quaternion) norm_squared += double{q} * q;
    const double norm = std::sqrt(norm_squared);
    if (!(norm >= kMinQuaternionNorm && norm <= kMaxQuaternionNorm)) return OpenSeeFacePacketError::kBadRotation;
  }
  return OpenSeeFacePacketError::kNone;
}

}  // namespace

std::string_view describe(OpenSeeFacePacketError error) {
  switch (error) {
    case OpenSeeFacePacketError::kNone: return "ok";
    case OpenSeeFacePacketError::kEmpty: return "an empty datagram";
    case OpenSeeFacePacketError::kBadLength: return "not a whole number of 1785-byte OpenSeeFace face records";
    case OpenSeeFacePacketError::kTooLarge: return "more face records than one datagram holds";
    case OpenSeeFacePacketError::kBadNumber: return "a NaN or infinite number, or a bad success flag";
    case OpenSeeFacePacketError::kBadCamera: return "a camera size that is not positive";
    case OpenSeeFacePacketError::kBadRotation: return "a head rotation that is not a unit quaternion";
  }
  return "unknown error";
}

OpenSeeFaceParseResult parse_openseeface_packet(std::string_view bytes, OpenSeeFaceFace& first_face) {
  OpenSeeFaceParseResult result;
  if (bytes.empty()) {
    result.error = OpenSeeFacePacketError::kEmpty;
    return result;
  }
  if (bytes.size() > kMaxOpenSeeFacePacketBytes) {
    result.error = OpenSeeFacePacketError::kTooLarge;
    return result;
  }
  if (bytes.size() % kOpenSeeFaceRecordBytes != 0) {
    result.error = OpenSeeFacePacketError::kBadLength;
    return result;
  }
  const std::size_t count = bytes.size() / kOpenSeeFaceRecordBytes;
  // Every record is checked, into a scratch face, so that one bad record rejects the datagram.
  OpenSeeFaceFace scratch;
  OpenSeeFaceFace first;
  for (std::size_t i = 0; i < count; ++i) {
    OpenSeeFaceFace& target = i == 0 ? first : scratch;
    const OpenSeeFacePacketError error = read_face(bytes.data() + i * kOpenSeeFaceRecordBytes, target);
    if (error != OpenSeeFacePacketError::kNone) {
      result.error = error;
      return result;
    }
  }
  first_face = first;
  result.face_count = static_cast<int>(count);
  return result;
}

}  // namespace tha4::tracking
