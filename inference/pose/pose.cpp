#include "inference/pose/pose.h"

#include "inference/util/errors.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <limits>
#include <cstdlib>
#include <sstream>

namespace tha4 {
namespace {

constexpr PoseParameter param(int index, std::string_view name, PoseGroup group, float min = 0.0f, float max = 1.0f) {
  return PoseParameter{index, name, group, min, max, 0.0f};
}

using G = PoseGroup;
constexpr std::array<PoseParameter, kPoseSize> kParameters = {{
    param(0, "eyebrow_troubled_left", G::kEyebrow),
    param(1, "eyebrow_troubled_right", G::kEyebrow),
    param(2, "eyebrow_angry_left", G::kEyebrow),
    param(3, "eyebrow_angry_right", G::kEyebrow),
    param(4, "eyebrow_lowered_left", G::kEyebrow),
    param(5, "eyebrow_lowered_right", G::kEyebrow),
    param(6, "eyebrow_raised_left", G::kEyebrow),
    param(7, "eyebrow_raised_right", G::kEyebrow),
    param(8, "eyebrow_happy_left", G::kEyebrow),
    param(9, "eyebrow_happy_right", G::kEyebrow),
    param(10, "eyebrow_serious_left", G::kEyebrow),
    param(11, "eyebrow_serious_right", G::kEyebrow),
    param(12, "eye_wink_left", G::kEye),
    param(13, "eye_wink_right", G::kEye),
    param(14, "eye_happy_wink_left", G::kEye),
    param(15, "eye_happy_wink_right", G::kEye),
    param(16, "eye_surprised_left", G::kEye),
    param(17, "eye_surprised_right", G::kEye),
    param(18, "eye_relaxed_left", G::kEye),
    param(19, "eye_relaxed_right", G::kEye),
    param(20, "eye_unimpressed_left", G::kEye),
    param(21, "eye_unimpressed_right", G::kEye),
    param(22, "eye_raised_lower_eyelid_left", G::kEye),
    param(23, "eye_raised_lower_eyelid_right", G::kEye),
    param(24, "iris_small_left", G::kIrisMorph),
    param(25, "iris_small_right", G::kIrisMorph),
    param(26, "mouth_aaa", G::kMouth),
    param(27, "mouth_iii", G::kMouth),
    param(28, "mouth_uuu", G::kMouth),
    param(29, "mouth_eee", G::kMouth),
    param(30, "mouth_ooo", G::kMouth),
    param(31, "mouth_delta", G::kMouth),
    param(32, "mouth_lowered_corner_left", G::kMouth),
    param(33, "mouth_lowered_corner_right", G::kMouth),
    param(34, "mouth_raised_corner_left", G::kMouth),
    param(35, "mouth_raised_corner_right", G::kMouth),
    param(36, "mouth_smirk", G::kMouth),
    param(37, "iris_rotation_x", G::kIrisRotation, -1.0f, 1.0f),
    param(38, "iris_rotation_y", G::kIrisRotation, -1.0f, 1.0f),
    param(39, "head_x", G::kFaceRotation, -1.0f, 1.0f),
    param(40, "head_y", G::kFaceRotation, -1.0f, 1.0f),
    param(41, "neck_z", G::kFaceRotation, -1.0f, 1.0f),
    param(42, "body_y", G::kBodyRotation, -1.0f, 1.0f),
    param(43, "body_z", G::kBodyRotation, -1.0f, 1.0f),
    param(44, "breathing", G::kBreathing),
}};

std::string_view trim(std::string_view s) {
  const auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

float parse_value(std::string_view name, std::string_view text) {
  const std::string value(trim(text));
  if (value.empty()) throw PoseError("pose parameter '" + std::string(name) + "' has no value");
  errno = 0;
  char* end = nullptr;
  const float parsed = std::strtof(value.c_str(), &end);
  if (end != value.c_str() + value.size()) {
    throw PoseError("pose parameter '" + std::string(name) + "': '" + value + "' is not a number");
  }
  if (!std::isfinite(parsed)) {  // an overflow (ERANGE) reads as infinite too
    throw PoseError("pose parameter '" + std::string(name) + "' must be a finite number, got '" + value + "'");
  }
  // Below the smallest normal float (an underflow, ERANGE, or a subnormal such as 0x1p-132) is 0: such a value
  // moves nothing, and its decimal form would not read back as the same float.
  if (std::fabs(parsed) < std::numeric_limits<float>::min()) return 0.0f;
  return parsed;
}

// Indices named by `name`: the parameter itself, or both sides of a left/right pair.
std::vector<int> resolve_name(std::string_view name) {
  if (auto index = find_pose_parameter(name)) return {*index};
  const std::string base(name);
  const auto left = find_pose_parameter(base + "_left");
  const auto right = find_pose_parameter(base + "_right");
  if (left && right) return {*left, *right};
  throw PoseError("unknown pose parameter '" + base + "' (run `tha4 render --list-parameters` for the 45 names)");
}

// The shortest decimal form that reads back as the same float, so format_pose round-trips exactly.
std::string format_float(float value) {
  for (int precision = 6;; ++precision) {
    std::ostringstream out;
    out.precision(precision);
    out << value;
    if (precision >= 9 || std::strtof(out.str().c_str(), nullptr) == value) return out.str();
  }
}

}  // namespace

const std::array<PoseParameter, kPoseSize>& pose_parameters() { return kParameters; }

std::string_view pose_group_name(PoseGroup group) {
  switch (group) {
    case G::kEyebrow: return "eyebrow";
    case G::kEye: return "eye";
    case G::kIrisMorph: return "iris_morph";
    case G::kMouth: return "mouth";
    case G::kIrisRotation: return "iris_rotation";
    case G::kFaceRotation: return "face_rotation";
    case G::kBodyRotation: return "body_rotation";
    case G::kBreathing: return "breathing";
  }
  return "unknown";
}

std::optional<int> find_pose_parameter(std::string_view name) {
  for (const PoseParameter& p : kParameters) {
    if (p.name == name) return p.index;
  }
  return std::nullopt;
}

Pose rest_pose() {
  Pose pose{};
  for (const PoseParameter& p : kParameters) pose[p.index] = p.default_value;
  return pose;
}

ParsedPose parse_pose(std::string_view text) {
  ParsedPose result{rest_pose(), {}};
  std::string_view rest = trim(text);
  while (!rest.empty()) {
    const std::size_t comma = rest.find(',');
    const std::string_view item = trim(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    if (item.empty()) continue;
    const std::size_t eq = item.find('=');
    if (eq == std::string_view::npos) {
      throw PoseError("pose item '" + std::string(item) + "' is not of the form name=value");
    }
    const std::string_view name = trim(item.substr(0, eq));
    const float value = parse_value(name, item.substr(eq + 1));
    for (int index : resolve_name(name)) result.pose[index] = value;
  }
  result.warnings = clamp_pose(result.pose);
  return result;
}

void check_pose_finite(const Pose& pose) {
  for (const PoseParameter& p : kParameters) {
    if (!std::isfinite(pose[p.index])) {
      throw PoseError("pose parameter '" + std::string(p.name) + "' is " + format_float(pose[p.index]) +
                      "; every pose value must be a finite number");
    }
  }
}

std::vector<std::string> clamp_pose(Pose& pose) {
  std::vector<std::string> warnings;
  for (const PoseParameter& p : kParameters) {
    const float clamped = std::clamp(pose[p.index], p.min, p.max);
    if (clamped != pose[p.index]) {
      warnings.push_back("pose parameter '" + std::string(p.name) + "' = " + format_float(pose[p.index]) +
                         " is outside [" + format_float(p.min) + ", " + format_float(p.max) + "]; using " +
                         format_float(clamped));
      pose[p.index] = clamped;
    }
  }
  return warnings;
}

std::string format_pose(const Pose& pose) {
  std::string out;
  for (const PoseParameter& p : kParameters) {
    if (pose[p.index] == p.default_value) continue;
    if (!out.empty()) out += ',';
    out += std::string(p.name) + "=" + format_float(pose[p.index]);
  }
  return out;
}

Pose lerp_pose(const Pose& a, const Pose& b, float t) {
  Pose out{};
  for (int i = 0; i < kPoseSize; ++i) out[i] = a[i] + (b[i] - a[i]) * t;
  return out;
}

}  // namespace tha4
