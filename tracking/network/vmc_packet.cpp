#include "tracking/network/vmc_packet.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <optional>

namespace tha4::tracking {
namespace {

constexpr std::string_view kBlendValueAddress = "/VMC/Ext/Blend/Val";
constexpr std::string_view kBlendApplyAddress = "/VMC/Ext/Blend/Apply";
constexpr std::string_view kBonePoseAddress = "/VMC/Ext/Bone/Pos";
constexpr double kDegreesPerRadian = 57.295779513082320876798;
// Below this a quaternion has no meaningful direction (it cannot be normalised).
constexpr double kMinQuaternionNorm = 1e-6;

// ARKit names count first: "perfect sync" senders may also send the VRM presets of the same avatar.
void set_blendshape_value(std::string_view name, float value, VmcFaceState::Received& received) {
  if (const auto shape = find_blendshape_ignoring_case(name)) {
    received.blendshapes[*shape] = value;
    received.arkit_named = true;
    return;
  }
  if (const auto preset = find_vrm_expression(name)) {
    received.presets[*preset] = value;
    received.presets_named = true;
  }
}

bool is_string(const OscArgument& argument) { return argument.type == OscType::kString; }

std::optional<float> finite_float(const OscArgument& argument) {
  if (argument.type != OscType::kFloat32 && argument.type != OscType::kFloat64) return std::nullopt;
  const auto value = static_cast<float>(argument.number);
  if (!std::isfinite(value)) return std::nullopt;
  return value;
}

// In double, so that large but finite components cannot overflow.
double quaternion_norm(const UnityQuaternion& q) {
  return std::sqrt(double{q.x} * q.x + double{q.y} * q.y + double{q.z} * q.z + double{q.w} * q.w);
}

UnityQuaternion multiply(const UnityQuaternion& a, const UnityQuaternion& b) {
  return UnityQuaternion{a.w * b.x + a.x * b.w + a.y * b.z - a.z * b.y, a.w * b.y - a.x * b.z + a.y * b.w + a.z * b.x,
                         a.w * b.z + a.x * b.y - a.y * b.x + a.z * b.w, a.w * b.w - a.x * b.x - a.y * b.y - a.z * b.z};
}

}  // namespace

HeadRotation head_rotation_from_unity(const UnityQuaternion& rotation) {
  const double norm = quaternion_norm(rotation);
  if (!(norm >= kMinQuaternionNorm) || !std::isfinite(norm)) return HeadRotation{};
  const double x = rotation.x / norm;
  const double y = rotation.y / norm;
  const double z = rotation.z / norm;
  const double w = rotation.w / norm;
  // Rotation matrix entries of the Unity quaternion (standard formula, 0-based row/column).
  const double r02 = 2.0 * (x * z + y * w);
  const double r10 = 2.0 * (x * y + z * w);
  const double r11 = 1.0 - 2.0 * (x * x + z * z);
  const double r12 = 2.0 * (y * z - x * w);
  const double r22 = 1.0 - 2.0 * (x * x + y * y);
  // Mirroring x (S = diag(-1, 1, 1), R' = S·R·S) negates the entries with exactly one 0 index; then
  // R' = Ry(yaw)·Rx(pitch)·Rz(roll) gives pitch = asin(−R'12), yaw = atan2(R'02, R'22),
  // roll = atan2(R'10, R'11).
  const double pitch = std::asin(std::clamp(-r12, -1.0, 1.0));
  const double yaw = std::atan2(-r02, r22);
  const double roll = std::atan2(-r10, r11);
  return HeadRotation{static_cast<float>(pitch * kDegreesPerRadian), static_cast<float>(yaw * kDegreesPerRadian),
                      static_cast<float>(roll * kDegreesPerRadian)};
}

std::string_view describe(const VmcPacketResult& result) {
  switch (result.error) {
    case VmcPacketError::kNone: return "ok";
    case VmcPacketError::kBadOsc: return describe(result.osc_error);
    case VmcPacketError::kBadBlendValue: return "a blendshape value is not (name, finite number)";
    case VmcPacketError::kBadBonePose: return "a head or neck pose is not (name, 7 finite numbers)";
  }
  return "unknown error";
}

VmcPacketResult VmcFaceState::apply_packet(std::string_view packet) {
  // Applied to a copy, so that a packet that turns out malformed halfway leaves no trace.
  VmcFaceState next = *this;
  VmcPacketResult result;
  result.osc_error = parse_osc_packet(packet, [&](const OscMessage& message) {
    if (result.ok()) next.apply_message(message, result);
  });
  if (result.osc_error != OscError::kNone) result.error = VmcPacketError::kBadOsc;
  if (!result.ok()) {
    result.frame_changed = false;
    return result;
  }
  *this = next;
  return result;
}

void VmcFaceState::apply_message(const OscMessage& message, VmcPacketResult& result) {
  const auto& args = message.arguments;
  if (message.address == kBlendValueAddress) {
    const auto value = message.argument_count == 2 && is_string(args[0]) ? finite_float(args[1]) : std::nullopt;
    if (!value) {
      result.error = VmcPacketError::kBadBlendValue;
      return;
    }
    set_blendshape_value(args[0].bytes, std::clamp(*value, 0.0f, 1.0f), received_);
  } else if (message.address == kBlendApplyAddress) {
    applied_.blendshapes = received_.blendshapes;
    applied_.presets = received_.presets;
    // The names of this frame decide; a frame without either keeps the vocabulary it had.
    if (received_.arkit_named) {
      applied_.vocabulary = FaceVocabulary::kArkit;
    } else if (received_.presets_named) {
      applied_.vocabulary = FaceVocabulary::kVrmPresets;
    }
    received_.arkit_named = false;
    received_.presets_named = false;
    result.frame_changed = true;
  } else if (message.address == kBonePoseAddress) {
    if (message.argument_count < 1 || !is_string(args[0])) {
      result.error = VmcPacketError::kBadBonePose;
      return;
    }
    const bool is_head = args[0].bytes == "Head";
    if (!is_head && args[0].bytes != "Neck") return;
    std::array<float, 7> numbers{};  // px, py, pz, qx, qy, qz, qw; the position is not used
    bool valid = message.argument_count == 8;
    for (std::size_t i = 0; valid && i < numbers.size(); ++i) {
      const auto value = finite_float(args[i + 1]);
      valid = value.has_value();
      if (valid) numbers[i] = *value;
    }
    const double norm = quaternion_norm(UnityQuaternion{numbers[3], numbers[4], numbers[5], numbers[6]});
    if (!valid || !(norm >= kMinQuaternionNorm) || !std::isfinite(norm)) {
      result.error = VmcPacketError::kBadBonePose;
      return;
    }
    const auto unit = [&](float component) { return static_cast<float>(component / norm); };
    (is_head ? head_ : neck_) = UnityQuaternion{unit(numbers[3]), unit(numbers[4]), unit(numbers[5]), unit(numbers[6])};
    result.frame_changed = true;
  }
}

FaceFrame VmcFaceState::frame() const {
  FaceFrame frame = applied_;
  // Bone rotations are relative to the parent, so the head relative to the chest is neck · head.
  frame.head = head_rotation_from_unity(multiply(neck_, head_));
  return frame;
}

}  // namespace tha4::tracking
