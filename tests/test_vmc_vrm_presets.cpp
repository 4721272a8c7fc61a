// VMC senders without "perfect sync": the VRM 0.x and 1.0 expression presets, the head from the Head or Neck
// bone, the root ignored. Every packet here is written byte by byte (tests/wire_bytes.h), not with the
// project's OSC encoder.

#include "plugin/runtime/expression_presets.h"
#include "tracking/network/blendshape_pose_converter.h"
#include "tracking/network/vmc_packet.h"
#include "tracking/network/vmc_tracker.h"
#include "tracking/network/vrm_expressions.h"

#include "tests/loopback_socket.h"
#include "tests/wire_bytes.h"

#include <catch2/catch.hpp>

#include <array>
#include <cmath>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

using namespace tha4;
using namespace tha4::tracking;
using tha4::test::osc_bundle_bytes;
using tha4::test::osc_message_bytes;

namespace {

float value_of(const Pose& pose, std::string_view name) {
  return pose[static_cast<std::size_t>(find_pose_parameter(name).value())];
}

std::string blend(const std::string& name, float value) {
  return osc_message_bytes("/VMC/Ext/Blend/Val", {name, value});
}
std::string apply() { return osc_message_bytes("/VMC/Ext/Blend/Apply", {}); }
// A bone's local pose: position, then Unity's quaternion (x, y, z, w).
std::string bone(const std::string& address, const std::string& name, float qx, float qy, float qz, float qw) {
  return osc_message_bytes(address, {name, 0.0f, 1.4f, 0.0f, qx, qy, qz, qw});
}
// Unity's Quaternion.AngleAxis(degrees, Vector3.up): the avatar turns to its own right for positive angles
// (Unity is left-handed, y up, z forward).
std::array<float, 4> unity_yaw(float degrees) {
  const float half = degrees * 3.14159265f / 360.0f;
  return {0.0f, std::sin(half), 0.0f, std::cos(half)};
}

// One frame as VSeeFace sends it for a VRM avatar: the presets, Apply, the root and the head.
std::string vseeface_frame(const std::vector<std::pair<std::string, float>>& presets, float head_yaw_degrees = 0.0f) {
  std::vector<std::string> elements;
  for (const auto& [name, value] : presets) elements.push_back(blend(name, value));
  elements.push_back(apply());
  elements.push_back(bone("/VMC/Ext/Root/Pos", "root", 0, 0, 0, 1));
  const auto q = unity_yaw(head_yaw_degrees);
  elements.push_back(bone("/VMC/Ext/Bone/Pos", "Head", q[0], q[1], q[2], q[3]));
  return osc_bundle_bytes(elements);
}

Pose pose_after(VmcFaceState& state, const std::string& packet) {
  const VmcPacketResult result = state.apply_packet(packet);
  REQUIRE(result.ok());
  return convert_face_to_pose(state.frame(), BlendshapePoseConverterConfig{}, 0.0);
}

constexpr std::array<const char*, 5> kMouthShapes = {"mouth_aaa", "mouth_iii", "mouth_uuu", "mouth_eee", "mouth_ooo"};

}  // namespace

TEST_CASE("VMC presets: both VRM generations' names, in any letter case", "[network][vrm]") {
  CHECK(find_vrm_expression("A") == VrmExpression::kAa);
  CHECK(find_vrm_expression("aa") == VrmExpression::kAa);
  CHECK(find_vrm_expression("a") == VrmExpression::kAa);
  CHECK(find_vrm_expression("OH") == VrmExpression::kOh);
  CHECK(find_vrm_expression("Blink_L") == VrmExpression::kBlinkLeft);
  CHECK(find_vrm_expression("blinkleft") == VrmExpression::kBlinkLeft);
  CHECK(find_vrm_expression("Joy") == VrmExpression::kHappy);
  CHECK(find_vrm_expression("happy") == VrmExpression::kHappy);
  CHECK(find_vrm_expression("Sorrow") == VrmExpression::kSad);
  CHECK(find_vrm_expression("Fun") == VrmExpression::kRelaxed);
  CHECK(find_vrm_expression("Surprised") == VrmExpression::kSurprised);
  CHECK(find_vrm_expression("neutral") == VrmExpression::kNeutral);
  CHECK_FALSE(find_vrm_expression("Ahh").has_value());
  CHECK_FALSE(find_vrm_expression("").has_value());
  CHECK_FALSE(find_vrm_expression("jawOpen").has_value());  // ARKit, not VRM
  for (int i = 0; i < kVrmExpressionCount; ++i) {
    const auto expression = static_cast<VrmExpression>(i);
    CHECK(find_vrm_expression(vrm_expression_name(expression)) == expression);
  }
}

TEST_CASE("VMC presets: each vowel opens the mouth in its own shape", "[network][vrm]") {
  const std::array<std::array<const char*, 3>, 5> spellings = {{
      {"A", "aa", "AA"},
      {"I", "ih", "Ih"},
      {"U", "ou", "OU"},
      {"E", "ee", "Ee"},
      {"O", "oh", "oH"},
  }};
  for (std::size_t vowel = 0; vowel < spellings.size(); ++vowel) {
    for (const char* name : spellings[vowel]) {
      INFO(name);
      VmcFaceState state;
      const Pose open = pose_after(state, vseeface_frame({{name, 1.0f}}));
      for (std::size_t shape = 0; shape < kMouthShapes.size(); ++shape) {
        CHECK(value_of(open, kMouthShapes[shape]) == (shape == vowel ? 1.0f : 0.0f));
      }
      // Half a vowel is half the shape; the vowel's end closes the mouth again.
      CHECK(value_of(pose_after(state, vseeface_frame({{name, 0.5f}})), kMouthShapes[vowel]) == Approx(0.5f));
      CHECK(value_of(pose_after(state, vseeface_frame({{name, 0.0f}})), kMouthShapes[vowel]) == 0.0f);
    }
  }
}

TEST_CASE("VMC presets: blinks close the eyes they name", "[network][vrm]") {
  struct Case {
    const char* name;
    float left;
    float right;
  };
  for (const Case& c : {Case{"Blink", 1, 1}, Case{"blink", 1, 1}, Case{"Blink_L", 1, 0}, Case{"blinkLeft", 1, 0},
                        Case{"Blink_R", 0, 1}, Case{"BLINKRIGHT", 0, 1}}) {
    INFO(c.name);
    VmcFaceState state;
    const Pose pose = pose_after(state, vseeface_frame({{c.name, 1.0f}}));
    CHECK(value_of(pose, "eye_wink_left") == c.left);
    CHECK(value_of(pose, "eye_wink_right") == c.right);
  }
}

TEST_CASE("VMC presets: the emotions are the expression presets of data/expressions.txt", "[network][vrm]") {
  const auto presets =
      avatar::read_expression_presets(std::filesystem::path(THA4_SOURCE_DIR) / "data" / "expressions.txt");
  const auto preset = [&](std::string_view id) -> const avatar::ExpressionPreset& {
    for (const auto& p : presets) {
      if (p.id == id) return p;
    }
    FAIL("no preset " << id);
    return presets.front();
  };
  const std::array<std::pair<const char*, const char*>, 10> emotions = {{{"Joy", "happy"},
                                                                         {"happy", "happy"},
                                                                         {"Angry", "angry"},
                                                                         {"angry", "angry"},
                                                                         {"Sorrow", "sad"},
                                                                         {"sad", "sad"},
                                                                         {"Fun", "relaxed"},
                                                                         {"relaxed", "relaxed"},
                                                                         {"Surprised", "surprised"},
                                                                         {"surprised", "surprised"}}};
  for (const auto& [vrm_name, preset_id] : emotions) {
    INFO(vrm_name << " as " << preset_id);
    const avatar::ExpressionPreset& expected = preset(preset_id);
    VmcFaceState state;
    const Pose full = pose_after(state, vseeface_frame({{vrm_name, 1.0f}}));
    const Pose half = pose_after(state, vseeface_frame({{vrm_name, 0.5f}}));
    int named = 0;
    for (int p = 0; p < kPoseSize; ++p) {
      if (p >= kBodyRotationPoseStart) continue;  // the head, body and breathing are not the emotion's
      const float want = expected.overrides[p] ? expected.values[p] : 0.0f;
      CHECK(full[p] == Approx(want).margin(1e-6));
      CHECK(half[p] == Approx(want / 2.0f).margin(1e-6));
      named += expected.overrides[p] ? 1 : 0;
    }
    CHECK(named >= 3);
  }
}

TEST_CASE("VMC presets: ARKit names win over the presets in the same frame", "[network][vrm]") {
  VmcFaceState state;
  // A perfect-sync avatar: VSeeFace sends its ARKit shapes and its VRM presets.
  Pose pose =
      pose_after(state, vseeface_frame({{"A", 1.0f}, {"Joy", 1.0f}, {"jawOpen", 0.0f}, {"eyeBlinkLeft", 1.0f}}));
  CHECK(value_of(pose, "mouth_aaa") == 0.0f);
  CHECK(value_of(pose, "eyebrow_happy_left") == 0.0f);
  CHECK(value_of(pose, "eye_wink_left") == 1.0f);
  // The next frame has presets only (the user switched to a VRM-only avatar): they are read again.
  pose = pose_after(state, vseeface_frame({{"A", 1.0f}}));
  CHECK(value_of(pose, "mouth_aaa") == 1.0f);
  // A frame with neither keeps the presets.
  pose = pose_after(state, osc_bundle_bytes({apply()}));
  CHECK(value_of(pose, "mouth_aaa") == 1.0f);
}

TEST_CASE("VMC presets: a vowel replaces the emotion's mouth; a blink adds to it", "[network][vrm]") {
  VmcFaceState state;
  Pose pose = pose_after(state, vseeface_frame({{"Surprised", 1.0f}}));
  CHECK(value_of(pose, "mouth_ooo") == Approx(0.8f));
  CHECK(value_of(pose, "eye_surprised_left") == 1.0f);
  pose = pose_after(state, vseeface_frame({{"Surprised", 1.0f}, {"I", 0.6f}}));
  CHECK(value_of(pose, "mouth_ooo") == 0.0f);
  CHECK(value_of(pose, "mouth_iii") == Approx(0.6f));
  CHECK(value_of(pose, "eyebrow_raised_left") == 1.0f);  // the rest of the emotion stays
  pose = pose_after(state, vseeface_frame({{"Surprised", 0.0f}, {"I", 0.0f}, {"Sorrow", 1.0f}, {"Blink_R", 0.7f}}));
  CHECK(value_of(pose, "eye_wink_right") == Approx(0.7f));
  CHECK(value_of(pose, "eye_relaxed_right") == Approx(0.45f));
}

TEST_CASE("VMC presets: the look presets turn the irises like ARKit's eyeLook shapes", "[network][vrm]") {
  VmcFaceState vrm;
  const Pose looking_left = pose_after(vrm, vseeface_frame({{"LookLeft", 0.6f}}));
  VmcFaceState arkit;
  const Pose arkit_left = pose_after(arkit, vseeface_frame({{"eyeLookOutLeft", 0.6f}, {"eyeLookInRight", 0.6f}}));
  CHECK(value_of(looking_left, "iris_rotation_y") < 0.0f);
  CHECK(value_of(looking_left, "iris_rotation_y") == Approx(value_of(arkit_left, "iris_rotation_y")));
  CHECK(value_of(pose_after(vrm, vseeface_frame({{"LookLeft", 0.0f}, {"lookUp", 0.5f}})), "iris_rotation_x") > 0.0f);
}

TEST_CASE("VMC presets: the head comes from the Head bone, or the Neck alone; the root is ignored", "[network][vrm]") {
  SECTION("Head") {
    VmcFaceState state;
    const Pose pose = pose_after(state, vseeface_frame({{"A", 0.0f}}, 5.0f));
    CHECK(value_of(pose, "head_y") == Approx(0.5f));  // the avatar turned to its right, as in the ARKit tests
  }
  SECTION("Neck only") {
    VmcFaceState state;
    const auto q = unity_yaw(-5.0f);
    const VmcPacketResult result = state.apply_packet(bone("/VMC/Ext/Bone/Pos", "Neck", q[0], q[1], q[2], q[3]));
    CHECK(result.ok());
    CHECK(result.frame_changed);
    CHECK(value_of(convert_face_to_pose(state.frame(), {}, 0.0), "head_y") == Approx(-0.5f));
  }
  SECTION("Root/Pos, with or without the optional scale and offset arguments, is valid and changes nothing") {
    VmcFaceState state;
    for (const std::string& root :
         {bone("/VMC/Ext/Root/Pos", "root", 0, 0.7f, 0, 0.7f),
          osc_message_bytes("/VMC/Ext/Root/Pos",
                            {"root", 1.0f, 0.0f, 2.0f, 0.0f, 0.7f, 0.0f, 0.7f, 1.0f, 1.0f, 1.0f, 0.0f, 0.0f, 0.0f})}) {
      const VmcPacketResult result = state.apply_packet(root);
      CHECK(result.ok());
      CHECK_FALSE(result.frame_changed);
      CHECK(state.frame().head.y_degrees == 0.0f);
    }
  }
}

TEST_CASE("VMC presets: a VSeeFace-style stream over loopback UDP", "[network][vrm][udp]") {
  test::LoopbackSocket performer;
  VmcTrackerOptions options;
  options.port = 0;
  options.bind_address = "127.0.0.1";
  VmcTracker tracker(options);
  std::uint64_t last_sequence = 0;
  const auto next_pose = [&](const std::string& packet) {
    performer.send(tracker.port(), packet);
    REQUIRE(test::eventually([&] { return tracker.latest() && tracker.latest()->sequence > last_sequence; }));
    last_sequence = tracker.latest()->sequence;
    return tracker.latest()->pose;
  };
  for (std::size_t vowel = 0; vowel < kMouthShapes.size(); ++vowel) {
    const std::array<const char*, 5> names = {"A", "I", "U", "E", "O"};
    std::vector<std::pair<std::string, float>> frame;
    for (std::size_t other = 0; other < names.size(); ++other) frame.emplace_back(names[other], other == vowel ? 1 : 0);
    INFO(names[vowel]);
    CHECK(value_of(next_pose(vseeface_frame(frame)), kMouthShapes[vowel]) == 1.0f);
  }
  const Pose blinking = next_pose(vseeface_frame({{"O", 0.0f}, {"Blink", 1.0f}}, -8.0f));
  CHECK(value_of(blinking, "eye_wink_left") == 1.0f);
  CHECK(value_of(blinking, "eye_wink_right") == 1.0f);
  CHECK(value_of(blinking, "head_y") == Approx(-0.8f));
  CHECK(tracker.status() == "receiving VMC");
  CHECK(tracker.counters().packets_malformed == 0);
}
