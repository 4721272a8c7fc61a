#pragma once
// The 45 THA4 pose parameters (spec §2): one table used by every part of the project (networks,
// CLI, trackers, the OBS source), and the `name=value,...` text form.

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tha4 {

enum class PoseGroup { kEyebrow, kEye, kIrisMorph, kMouth, kIrisRotation, kFaceRotation, kBodyRotation, kBreathing };

struct PoseParameter {
  int index;
  std::string_view name;
  PoseGroup group;
  float min;
  float max;
  float default_value;  // 0 for every parameter: no reference code path reads mouth_aaa's metadata 1.0
};

constexpr int kPoseSize = 45;
using Pose = std::array<float, kPoseSize>;

// Slices of the pose that each network sees (spec §2).
constexpr int kFaceMorpherPoseSize = 39;    // student face morpher: pose[0:39]
constexpr int kBodyRotationPoseStart = 39;  // head_x, head_y, neck_z, body_y, body_z, breathing

// The table, in index order.
const std::array<PoseParameter, kPoseSize>& pose_parameters();
std::string_view pose_group_name(PoseGroup group);

// Index of a parameter by its exact name.
std::optional<int> find_pose_parameter(std::string_view name);

// A pose with every parameter at its default (all zeros).
Pose rest_pose();

struct ParsedPose {
  Pose pose{};
  std::vector<std::string> warnings;  // one per clamped value
};

// Parses `name=value,name=value,...` on top of the rest pose. A name of a left/right pair without its
// suffix (`eye_wink=1`) sets both sides. Whitespace around names and values is ignored; an empty
// string is the rest pose. Throws PoseError for an unknown name, a malformed or non-finite number, or a
// missing '='. Out-of-range values are clamped into range with a warning.
ParsedPose parse_pose(std::string_view text);

// Throws PoseError if any value is NaN or infinite (names the parameter).
void check_pose_finite(const Pose& pose);

// Clamps every value into its range; returns one warning per value that moved.
std::vector<std::string> clamp_pose(Pose& pose);

// `name=value,...` for every parameter that differs from its default (empty for the rest pose);
// parse_pose(format_pose(p)) == p.
std::string format_pose(const Pose& pose);

// Linear interpolation between two poses (used for display-rate rendering and scripted animation).
Pose lerp_pose(const Pose& a, const Pose& b, float t);

}  // namespace tha4
