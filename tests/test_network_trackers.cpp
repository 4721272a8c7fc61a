#include "tracking/network/blendshape_pose_converter.h"
#include "tracking/network/blendshapes.h"
#include "tracking/network/ifacialmocap_packet.h"
#include "tracking/network/ifacialmocap_tracker.h"
#include "tracking/network/mouth_vowel_decomposition.h"
#include "tracking/network/network_error.h"
#include "tracking/network/osc_message.h"
#include "tracking/network/vmc_packet.h"
#include "tracking/network/vmc_tracker.h"

#include "tests/loopback_socket.h"

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

using namespace tha4;
using namespace tha4::tracking;

namespace {

using tha4::test::eventually;
using tha4::test::LoopbackSocket;

int pose_index(std::string_view name) { return find_pose_parameter(name).value(); }
float pose_value(const Pose& pose, std::string_view name) { return pose[static_cast<std::size_t>(pose_index(name))]; }

// iFacialMocap spells side-specific names with _L/_R: eyeBlinkLeft → eyeBlink_L.
std::string ifacialmocap_name(Blendshape shape) {
  std::string name(blendshape_name(shape));
  for (const auto& [suffix, short_suffix] : {std::pair<std::string, std::string>{"Left", "_L"}, {"Right", "_R"}}) {
    if (name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
      return name.substr(0, name.size() - suffix.size()) + short_suffix;
    }
  }
  return name;
}

// A v2 packet as the app sends it: every blendshape (0..100), then the head and eye bones.
std::string make_ifacialmocap_packet(const std::map<Blendshape, int>& values, HeadRotation head = {}) {
  std::string packet;
  for (int i = 0; i < kBlendshapeCount; ++i) {
    const auto shape = static_cast<Blendshape>(i);
    const auto found = values.find(shape);
    packet += ifacialmocap_name(shape) + "&" + std::to_string(found == values.end() ? 0 : found->second) + "|";
  }
  packet += "=head#" + std::to_string(head.x_degrees) + "," + std::to_string(head.y_degrees) + "," +
            std::to_string(head.z_degrees) + ",-0.030653415,-0.10287084,-0.6584072|";
  packet += "rightEye#6.0297494,2.4403017,0.25649446|leftEye#6.034903,-1.6660284,-0.17520553|";
  return packet;
}

FaceFrame frame_with(const std::map<Blendshape, float>& values, HeadRotation head = {}) {
  FaceFrame frame;
  for (const auto& [shape, value] : values) frame.blendshapes[shape] = value;
  frame.head = head;
  return frame;
}

Pose convert(const FaceFrame& frame, const BlendshapePoseConverterConfig& config = {}) {
  return convert_face_to_pose(frame, config, 0.0);
}

std::string osc_blend(std::string_view name, float value) {
  return encode_osc_message("/VMC/Ext/Blend/Val", {OscArgument::string(name), OscArgument::float32(value)});
}
std::string osc_apply() { return encode_osc_message("/VMC/Ext/Blend/Apply", {}); }
std::string osc_bone(std::string_view bone, const UnityQuaternion& q) {
  return encode_osc_message(
      "/VMC/Ext/Bone/Pos",
      {OscArgument::string(bone), OscArgument::float32(0.0f), OscArgument::float32(1.5f), OscArgument::float32(0.0f),
       OscArgument::float32(q.x), OscArgument::float32(q.y), OscArgument::float32(q.z), OscArgument::float32(q.w)});
}

// Unity's Quaternion.AngleAxis for a unit axis.
UnityQuaternion unity_angle_axis(float degrees, float ax, float ay, float az) {
  const float half = degrees * 3.14159265f / 360.0f;
  return UnityQuaternion{ax * std::sin(half), ay * std::sin(half), az * std::sin(half), std::cos(half)};
}

std::vector<std::string> parse_addresses(std::string_view packet, OscError& error) {
  std::vector<std::string> addresses;
  error = parse_osc_packet(packet, [&](const OscMessage& message) { addresses.emplace_back(message.address); });
  return addresses;
}

template <class Tracker>
double seconds_to_destroy(std::unique_ptr<Tracker>& tracker) {
  const auto start = std::chrono::steady_clock::now();
  tracker.reset();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

// ----------------------------------------------------------------------------------------------------
// Blendshape table

TEST_CASE("network trackers: the ARKit table has 52 distinct names that round-trip", "[network]") {
  std::set<std::string_view> names;
  for (int i = 0; i < kBlendshapeCount; ++i) {
    const auto shape = static_cast<Blendshape>(i);
    names.insert(blendshape_name(shape));
    CHECK(find_blendshape(blendshape_name(shape)) == shape);
  }
  CHECK(names.size() == 52);
  CHECK(blendshape_name(Blendshape::kTongueOut) == "tongueOut");
  CHECK(find_blendshape("EyeBlinkLeft") == std::nullopt);
  CHECK(find_blendshape_ignoring_case("EyeBlinkLeft") == Blendshape::kEyeBlinkLeft);
  CHECK(find_blendshape_ignoring_case("JAWOPEN") == Blendshape::kJawOpen);
  CHECK(find_blendshape_ignoring_case("jawOpe") == std::nullopt);
  CHECK(find_blendshape_ignoring_case("") == std::nullopt);
}

// ----------------------------------------------------------------------------------------------------
// iFacialMocap packets

TEST_CASE("network trackers: a full iFacialMocap v2 packet parses", "[network]") {
  const std::string text = make_ifacialmocap_packet(
      {{Blendshape::kEyeBlinkLeft, 37}, {Blendshape::kJawOpen, 5}, {Blendshape::kMouthSmileRight, 100}},
      HeadRotation{-21.5f, -6.0f, 6.5f});
  const IFacialMocapParseResult result = parse_ifacialmocap_packet(text);
  REQUIRE(result.ok());
  CHECK(result.packet.blendshape_count == 52);
  CHECK(result.packet.has_head_rotation);
  const BlendshapeWeights& bs = result.packet.frame.blendshapes;
  CHECK(bs[Blendshape::kEyeBlinkLeft] == Approx(0.37f));
  CHECK(bs[Blendshape::kEyeBlinkRight] == 0.0f);
  CHECK(bs[Blendshape::kJawOpen] == Approx(0.05f));
  CHECK(bs[Blendshape::kMouthSmileRight] == 1.0f);
  CHECK(result.packet.frame.head.x_degrees == Approx(-21.5f));
  CHECK(result.packet.frame.head.y_degrees == Approx(-6.0f));
  CHECK(result.packet.frame.head.z_degrees == Approx(6.5f));
}

TEST_CASE("network trackers: iFacialMocap names, spacing, unknown names and unknown parts", "[network]") {
  SECTION("_L/_R become Left/Right; full ARKit names work too; whitespace and empty parts are skipped") {
    const auto result = parse_ifacialmocap_packet(" eyeBlink_R&50 ||  browDownLeft&25|\r\n|jawOpen& 10 |");
    REQUIRE(result.ok());
    CHECK(result.packet.blendshape_count == 3);
    CHECK(result.packet.frame.blendshapes[Blendshape::kEyeBlinkRight] == Approx(0.5f));
    CHECK(result.packet.frame.blendshapes[Blendshape::kBrowDownLeft] == Approx(0.25f));
    CHECK(result.packet.frame.blendshapes[Blendshape::kJawOpen] == Approx(0.1f));
    CHECK_FALSE(result.packet.has_head_rotation);
  }
  SECTION("unknown blendshape names and unknown parts are ignored, as in the reference") {
    const auto result = parse_ifacialmocap_packet("hapihapi&12|jawOpen&40|trackingStatus=1|future#1,2|");
    REQUIRE(result.ok());
    CHECK(result.packet.blendshape_count == 1);
    CHECK(result.packet.frame.blendshapes[Blendshape::kJawOpen] == Approx(0.4f));
  }
  SECTION("a head-only packet is usable and every blendshape is 0") {
    const auto result = parse_ifacialmocap_packet("=head#1.5,-2,3e0,0,0,0|");
    REQUIRE(result.ok());
    CHECK(result.packet.blendshape_count == 0);
    CHECK(result.packet.frame.head.z_degrees == 3.0f);
    for (const float value : result.packet.frame.blendshapes.values) CHECK(value == 0.0f);
  }
  SECTION("values outside 0..100 are clamped into ARKit's 0..1") {
    const auto result = parse_ifacialmocap_packet("jawOpen&250|eyeBlink_L&-3|");
    REQUIRE(result.ok());
    CHECK(result.packet.frame.blendshapes[Blendshape::kJawOpen] == 1.0f);
    CHECK(result.packet.frame.blendshapes[Blendshape::kEyeBlinkLeft] == 0.0f);
  }
  SECTION("the start handshake, a v1 packet or plain text carry no v2 tracking data") {
    CHECK(parse_ifacialmocap_packet(kIFacialMocapStartHandshake).error == IFacialMocapPacketError::kNoTrackingData);
    CHECK(parse_ifacialmocap_packet("eyeBlink_L-37|jawOpen-5|").error == IFacialMocapPacketError::kNoTrackingData);
    CHECK(parse_ifacialmocap_packet("").error == IFacialMocapPacketError::kNoTrackingData);
    CHECK(parse_ifacialmocap_packet("|||").error == IFacialMocapPacketError::kNoTrackingData);
  }
}

TEST_CASE("network trackers: iFacialMocap packets with bad numbers or fields are rejected whole", "[network]") {
  using E = IFacialMocapPacketError;
  const std::vector<std::pair<std::string, E>> cases = {
      {"jawOpen&|", E::kBadNumber},
      {"jawOpen&abc|", E::kBadNumber},
      {"jawOpen&12abc|", E::kBadNumber},
      {"jawOpen&1,5|", E::kBadNumber},
      {"jawOpen&0x10|", E::kBadNumber},
      {"jawOpen&nan|", E::kBadNumber},
      {"jawOpen&NaN|", E::kBadNumber},
      {"jawOpen&inf|", E::kBadNumber},
      {"jawOpen&-Infinity|", E::kBadNumber},
      {"jawOpen&1e999|", E::kBadNumber},
      {"jawOpen&" + std::string(60, '1') + "|", E::kBadNumber},
      {"unknownName&garbage|", E::kBadNumber},
      {"jawOpen&1&2|", E::kBadBlendshapePart},
      {"&5|", E::kBadBlendshapePart},
      {std::string(100, 'a') + "&5|", E::kBadBlendshapePart},
      {"=head#1,2,3|", E::kBadHeadPart},
      {"=head#1,2,3,4,5,6,7|", E::kBadHeadPart},
      {"=head#1,2,nan,4,5,6|", E::kBadHeadPart},
      {"=head#1,2,,4,5,6|", E::kBadHeadPart},
      {"=head#|", E::kBadHeadPart},
      {"jawOpen&5|rightEye#1,2|", E::kBadEyePart},
      {"jawOpen&5|leftEye#1,2,3,4|", E::kBadEyePart},
      {"jawOpen&5|leftEye#1,inf,3|", E::kBadEyePart},
  };
  for (const auto& [text, expected] : cases) {
    INFO(text);
    const auto result = parse_ifacialmocap_packet(text);
    CHECK(result.error == expected);
    CHECK_FALSE(describe(result.error).empty());
  }
  // A good field before a bad one does not leak out: the whole packet is rejected.
  CHECK_FALSE(parse_ifacialmocap_packet("jawOpen&50|eyeBlink_L&oops|").ok());
}

TEST_CASE("network trackers: oversized and truncated iFacialMocap packets", "[network]") {
  SECTION("size and field-count limits") {
    std::string big = "jawOpen&5|";
    big += std::string(kMaxIFacialMocapPacketBytes, ' ');
    CHECK(parse_ifacialmocap_packet(big).error == IFacialMocapPacketError::kTooLarge);
    std::string many;
    for (int i = 0; i <= kMaxIFacialMocapParts; ++i) many += "x&1|";
    REQUIRE(many.size() <= kMaxIFacialMocapPacketBytes);
    CHECK(parse_ifacialmocap_packet(many).error == IFacialMocapPacketError::kTooManyParts);
  }
  SECTION("every prefix of a real packet parses or is rejected, never anything else") {
    const std::string full = make_ifacialmocap_packet({{Blendshape::kJawOpen, 55}}, HeadRotation{10, 20, 30});
    int accepted = 0;
    for (std::size_t length = 0; length <= full.size(); ++length) {
      const auto result = parse_ifacialmocap_packet(std::string_view(full).substr(0, length));
      if (result.ok()) {
        ++accepted;
        CHECK(result.packet.blendshape_count <= 52);
      }
    }
    CHECK(accepted > 0);
    CHECK(parse_ifacialmocap_packet("jawOpen&").error == IFacialMocapPacketError::kBadNumber);
    CHECK(parse_ifacialmocap_packet("jawOpen&5|=head#1,2,3,4").error == IFacialMocapPacketError::kBadHeadPart);
  }
}

// ----------------------------------------------------------------------------------------------------
// Converter

TEST_CASE("network trackers: a neutral face converts to the rest pose", "[network]") {
  CHECK(convert(FaceFrame{}) == rest_pose());
}

TEST_CASE("network trackers: jawOpen opens the mouth through the vowel decomposition", "[network]") {
  SECTION("below jaw_open_min the mouth stays closed") {
    const Pose pose = convert(frame_with({{Blendshape::kJawOpen, 0.1f}}));
    CHECK(pose_value(pose, "mouth_aaa") == 0.0f);
  }
  SECTION("a fully open 'a' (jaw 0.4, lower lip down) is mouth_aaa") {
    const Pose pose = convert(frame_with({{Blendshape::kJawOpen, 0.4f},
                                          {Blendshape::kMouthLowerDownLeft, 0.5f},
                                          {Blendshape::kMouthLowerDownRight, 0.5f}}));
    CHECK(pose_value(pose, "mouth_aaa") == Approx(1.0f).margin(1e-3));
    CHECK(pose_value(pose, "mouth_iii") == Approx(0.0f).margin(1e-3));
    CHECK(pose_value(pose, "mouth_uuu") == Approx(0.0f).margin(1e-3));
    CHECK(pose_value(pose, "mouth_ooo") == Approx(0.0f).margin(1e-3));
  }
  SECTION("a rounded open mouth (funnel) goes to mouth_ooo") {
    const Pose pose = convert(frame_with({{Blendshape::kJawOpen, 0.4f},
                                          {Blendshape::kMouthLowerDownLeft, 0.25f},
                                          {Blendshape::kMouthLowerDownRight, 0.25f},
                                          {Blendshape::kMouthFunnel, 0.5f},
                                          {Blendshape::kMouthPucker, 0.4f}}));
    CHECK(pose_value(pose, "mouth_ooo") > 0.9f);
    CHECK(pose_value(pose, "mouth_uuu") == Approx(0.0f).margin(1e-3));
  }
  SECTION("mouth opening grows with jawOpen") {
    float previous = -1.0f;
    for (const float jaw : {0.15f, 0.2f, 0.3f, 0.4f}) {
      const float aaa = pose_value(convert(frame_with({{Blendshape::kJawOpen, jaw}})), "mouth_aaa");
      CHECK(aaa > previous);
      previous = aaa;
    }
  }
}

TEST_CASE("network trackers: the vowel decomposition finds the minimum of its objective", "[network]") {
  std::mt19937 random(7);
  std::uniform_real_distribution<float> unit(0.0f, 1.0f);
  for (int trial = 0; trial < 12; ++trial) {
    const MouthPoint mouth{unit(random), unit(random), unit(random), unit(random)};
    const VowelWeights solved = decompose_mouth_vowels(mouth);
    for (const float d : solved) {
      CHECK(d >= 0.0f);
      CHECK(d <= 1.0f);
    }
    // Brute force on a 0.05 grid: the solver must do at least as well as every grid point.
    double best_grid = std::numeric_limits<double>::infinity();
    for (int a = 0; a <= 20; ++a)
      for (int i = 0; i <= 20; ++i)
        for (int u = 0; u <= 20; ++u)
          for (int o = 0; o <= 20; ++o) {
            best_grid = std::min(best_grid, mouth_vowel_cost(mouth, {a / 20.0f, i / 20.0f, u / 20.0f, o / 20.0f}));
          }
    CHECK(mouth_vowel_cost(mouth, solved) <= best_grid + 1e-6);
  }
}

TEST_CASE("network trackers: eyeBlink drives eye_wink, or happy wink when smiling", "[network]") {
  const Pose blink = convert(frame_with({{Blendshape::kEyeBlinkLeft, 0.8f}, {Blendshape::kEyeBlinkRight, 0.4f}}));
  CHECK(pose_value(blink, "eye_wink_left") == Approx(1.0f));
  CHECK(pose_value(blink, "eye_wink_right") == Approx(0.5f));
  CHECK(pose_value(blink, "eye_happy_wink_left") == 0.0f);

  const Pose smiling = convert(frame_with(
      {{Blendshape::kEyeBlinkLeft, 0.8f}, {Blendshape::kMouthSmileLeft, 0.7f}, {Blendshape::kMouthSmileRight, 0.7f}}));
  CHECK(pose_value(smiling, "eye_wink_left") == Approx(0.0f));
  CHECK(pose_value(smiling, "eye_happy_wink_left") == Approx(1.0f));
  CHECK(pose_value(smiling, "eyebrow_happy_left") == Approx(0.7f));
  CHECK(pose_value(smiling, "mouth_raised_corner_right") == Approx(0.7f));

  BlendshapePoseConverterConfig relaxed;
  relaxed.wink_mode = WinkMode::kRelaxed;
  const Pose relaxed_blink = convert(frame_with({{Blendshape::kEyeBlinkRight, 0.8f}}), relaxed);
  CHECK(pose_value(relaxed_blink, "eye_relaxed_right") == Approx(1.0f));
  CHECK(pose_value(relaxed_blink, "eye_wink_right") == 0.0f);
}

TEST_CASE("network trackers: eyebrows, eyes and irises follow spec §7.2", "[network]") {
  const Pose pose = convert(frame_with({{Blendshape::kBrowInnerUp, 0.3f},
                                        {Blendshape::kBrowOuterUpLeft, 0.4f},
                                        {Blendshape::kBrowDownRight, 0.2f},
                                        {Blendshape::kEyeWideLeft, 0.25f},
                                        {Blendshape::kCheekSquintRight, 0.4f},
                                        {Blendshape::kEyeLookInLeft, 0.3f},
                                        {Blendshape::kEyeLookOutRight, 0.3f},
                                        {Blendshape::kEyeLookUpLeft, 0.9f},
                                        {Blendshape::kEyeLookUpRight, 0.9f}}));
  CHECK(pose_value(pose, "eyebrow_raised_left") == Approx(0.7f));
  CHECK(pose_value(pose, "eyebrow_raised_right") == Approx(0.3f));
  CHECK(pose_value(pose, "eyebrow_angry_right") == Approx(0.5f));  // ANGRY is the default mode
  CHECK(pose_value(pose, "eye_surprised_left") == Approx(0.5f));
  CHECK(pose_value(pose, "eye_raised_lower_eyelid_right") == Approx(0.5f));
  CHECK(pose_value(pose, "iris_rotation_y") == Approx(0.3f / 0.75f));
  CHECK(pose_value(pose, "iris_rotation_x") == 1.0f);  // 0.9 · 4/3 clamped

  BlendshapePoseConverterConfig troubled;
  troubled.tuning.eyebrow_down_mode = EyebrowDownMode::kTroubled;
  const Pose troubled_pose = convert(frame_with({{Blendshape::kBrowDownLeft, 0.4f}}), troubled);
  CHECK(pose_value(troubled_pose, "eyebrow_troubled_left") == Approx(1.0f));
  CHECK(pose_value(troubled_pose, "eyebrow_angry_left") == 0.0f);
}

TEST_CASE("network trackers: the user's gaze and iris size sliders reach the pose", "[network]") {
  const FaceFrame looking = frame_with({{Blendshape::kEyeLookInLeft, 0.3f}, {Blendshape::kEyeLookUpLeft, 0.9f}});
  BlendshapePoseConverterConfig tuned;
  tuned.tuning.gaze = false;
  tuned.tuning.iris_size = 0.4;
  const Pose pose = convert(looking, tuned);
  CHECK(pose_value(pose, "iris_rotation_x") == 0.0f);
  CHECK(pose_value(pose, "iris_rotation_y") == 0.0f);
  CHECK(pose_value(pose, "iris_small_left") == Approx(0.4f));
  CHECK(pose_value(pose, "iris_small_right") == Approx(0.4f));
  CHECK(pose_value(convert(looking), "iris_rotation_x") != 0.0f);
}

TEST_CASE("network trackers: head angles map to head_x, head_y and neck_z with the spec's signs", "[network]") {
  const Pose pose = convert(frame_with({}, HeadRotation{-7.5f, 5.0f, 30.0f}));
  CHECK(pose_value(pose, "head_x") == Approx(0.5f));   // −rx / 15
  CHECK(pose_value(pose, "head_y") == Approx(-0.5f));  // −ry / 10
  CHECK(pose_value(pose, "body_y") == Approx(-0.5f));
  CHECK(pose_value(pose, "neck_z") == Approx(1.0f));  // rz / 15, clamped
  CHECK(pose_value(pose, "body_z") == Approx(1.0f));
  const Pose other_way = convert(frame_with({}, HeadRotation{90.0f, -90.0f, -3.0f}));
  CHECK(pose_value(other_way, "head_x") == -1.0f);
  CHECK(pose_value(other_way, "head_y") == 1.0f);
  CHECK(pose_value(other_way, "neck_z") == Approx(-0.2f));
}

TEST_CASE("network trackers: the frown fix lowers the corners of a closed mouth", "[network]") {
  const FaceFrame frown = frame_with({{Blendshape::kMouthFrownLeft, 0.15f}, {Blendshape::kMouthFrownRight, 0.15f}});
  // The reference's iFacialMocap converter gives 0 here (its condition is inverted); the fixed one
  // follows the MediaPipe converter: clamp((0.15 + 0.15) / 0.6, 0, 1).
  const Pose closed = convert(frown);
  CHECK(pose_value(closed, "mouth_lowered_corner_left") == Approx(0.5f));
  CHECK(pose_value(closed, "mouth_lowered_corner_right") == Approx(0.5f));

  FaceFrame open_frown = frown;
  open_frown.blendshapes[Blendshape::kJawOpen] = 0.3f;
  CHECK(pose_value(convert(open_frown), "mouth_lowered_corner_left") == 0.0f);

  BlendshapePoseConverterConfig no_frown;
  no_frown.mouth_frown_max = 0.0f;
  CHECK(pose_value(convert(frown, no_frown), "mouth_lowered_corner_left") == 0.0f);
}

TEST_CASE("network trackers: breathing follows the configured rate", "[network]") {
  BlendshapePoseConverterConfig config;  // 20 breaths per minute: a 3 s period
  CHECK(pose_value(convert_face_to_pose(FaceFrame{}, config, 0.0), "breathing") == Approx(0.0f).margin(1e-6));
  CHECK(pose_value(convert_face_to_pose(FaceFrame{}, config, 1.5), "breathing") == Approx(1.0f));
  CHECK(pose_value(convert_face_to_pose(FaceFrame{}, config, 3.75), "breathing") == Approx(0.5f));
  config.tuning.breaths_per_minute = 0.0;
  CHECK(pose_value(convert_face_to_pose(FaceFrame{}, config, 1.5), "breathing") == 0.0f);
}

TEST_CASE("network trackers: every converted pose is finite and inside its ranges", "[network]") {
  std::mt19937 random(11);
  std::uniform_real_distribution<float> unit(0.0f, 1.0f);
  std::uniform_real_distribution<float> angle(-180.0f, 180.0f);
  BlendshapePoseConverterConfig broken;
  broken.tuning.iris_size = 3.0;
  broken.smile_threshold_max = std::numeric_limits<float>::quiet_NaN();
  for (int trial = 0; trial < 200; ++trial) {
    FaceFrame frame;
    for (float& value : frame.blendshapes.values) value = unit(random);
    frame.head = HeadRotation{angle(random), angle(random), angle(random)};
    for (const auto& config : {BlendshapePoseConverterConfig{}, broken}) {
      const Pose pose = convert_face_to_pose(frame, config, trial * 0.37);
      int outside = 0;
      for (int i = 0; i < kPoseSize; ++i) {
        const auto& parameter = pose_parameters()[static_cast<std::size_t>(i)];
        const float value = pose[static_cast<std::size_t>(i)];
        if (!std::isfinite(value) || value < parameter.min || value > parameter.max) ++outside;
      }
      CHECK(outside == 0);
    }
  }
}

// ----------------------------------------------------------------------------------------------------
// OSC

TEST_CASE("network trackers: OSC messages round-trip every supported type", "[network]") {
  OscArgument wide;
  wide.type = OscType::kInt64;
  wide.integer = -1234567890123LL;
  OscArgument precise;
  precise.type = OscType::kFloat64;
  precise.number = 0.1;
  OscArgument flag;
  flag.type = OscType::kTrue;
  const std::string packet =
      encode_osc_message("/test/all", {OscArgument::int32(-7), OscArgument::float32(1.25f), OscArgument::string("abc"),
                                       OscArgument::blob(std::string("\x01\x00\x02", 3)), wide, precise, flag});
  REQUIRE(packet.size() % 4 == 0);
  int calls = 0;
  const OscError error = parse_osc_packet(packet, [&](const OscMessage& message) {
    ++calls;
    CHECK(message.address == "/test/all");
    REQUIRE(message.argument_count == 7);
    CHECK(message.arguments[0].type == OscType::kInt32);
    CHECK(message.arguments[0].integer == -7);
    CHECK(message.arguments[1].number == 1.25);
    CHECK(message.arguments[2].bytes == "abc");
    CHECK(message.arguments[3].bytes == std::string_view("\x01\x00\x02", 3));
    CHECK(message.arguments[4].integer == -1234567890123LL);
    CHECK(message.arguments[5].number == 0.1);
    CHECK(message.arguments[6].type == OscType::kTrue);
  });
  CHECK(error == OscError::kNone);
  CHECK(calls == 1);
  // A message with no arguments: address and ",".
  CHECK(osc_apply() == std::string("/VMC/Ext/Blend/Apply\0\0\0\0,\0\0\0", 28));
  CHECK_THROWS_AS(encode_osc_message("no-slash", {}), std::invalid_argument);
  CHECK_THROWS_AS(encode_osc_message("/x", {OscArgument::string(std::string("a\0b", 3))}), std::invalid_argument);
}

TEST_CASE("network trackers: OSC bundles deliver their messages in order, nesting is bounded", "[network]") {
  const std::string inner = encode_osc_bundle({osc_blend("jawOpen", 0.5f), osc_apply()});
  const std::string packet = encode_osc_bundle({osc_blend("eyeBlinkLeft", 1.0f), inner, encode_osc_bundle({})});
  OscError error = OscError::kNone;
  CHECK(parse_addresses(packet, error) ==
        std::vector<std::string>{"/VMC/Ext/Blend/Val", "/VMC/Ext/Blend/Val", "/VMC/Ext/Blend/Apply"});
  CHECK(error == OscError::kNone);

  std::string nested = osc_apply();
  for (int depth = 1; depth <= kMaxOscBundleDepth; ++depth) nested = encode_osc_bundle({nested});
  CHECK(parse_addresses(nested, error).size() == 1);
  CHECK(error == OscError::kNone);
  CHECK(parse_addresses(encode_osc_bundle({nested}), error).empty());
  CHECK(error == OscError::kTooDeep);
}

TEST_CASE("network trackers: malformed OSC is rejected before any message is delivered", "[network]") {
  const std::string good = osc_blend("jawOpen", 0.5f);
  const auto error_of = [](const std::string& packet) {
    bool delivered = false;
    const OscError error = parse_osc_packet(packet, [&](const OscMessage&) { delivered = true; });
    CHECK_FALSE(delivered);
    return error;
  };

  SECTION("sizes") {
    CHECK(error_of("") == OscError::kNotAligned);
    CHECK(error_of(good.substr(0, good.size() - 1)) == OscError::kNotAligned);
    CHECK(error_of(std::string(kMaxOscPacketBytes + 4, '/')) == OscError::kTooLarge);
  }
  SECTION("addresses and strings") {
    CHECK(error_of(std::string("abc\0", 4)) == OscError::kBadAddress);
    CHECK(error_of(std::string("/a b\0\0\0\0,\0\0\0", 12)) == OscError::kBadAddress);
    CHECK(error_of("/abc") == OscError::kBadString);  // no terminator
    std::string bad_padding = good;
    bad_padding[bad_padding.find('\0') + 1] = 'x';  // "/VMC/Ext/Blend/Val" has 2 padding bytes
    CHECK(error_of(bad_padding) == OscError::kBadString);
  }
  SECTION("type tags") {
    CHECK(error_of(std::string("/abc\0\0\0\0", 8)) == OscError::kMissingTypeTags);
    CHECK(error_of(std::string("/abc\0\0\0\0sf\0\0", 12)) == OscError::kMissingTypeTags);
    CHECK(error_of(std::string("/abc\0\0\0\0,x\0\0", 12)) == OscError::kUnsupportedType);
    CHECK(error_of(std::string("/abc\0\0\0\0,[i]\0\0\0\0\0\0\0\x01", 20)) == OscError::kUnsupportedType);
    const std::vector<OscArgument> most(kMaxOscArguments, OscArgument::int32(1));
    CHECK(parse_osc_packet(encode_osc_message("/many", most), [](const OscMessage&) {}) == OscError::kNone);
    const std::string too_many =
        std::string("/many\0\0\0", 8) + "," + std::string(kMaxOscArguments + 1, 'T') + std::string(2, '\0');
    CHECK(error_of(too_many) == OscError::kTooManyArguments);
  }
  SECTION("truncated arguments and trailing bytes") {
    CHECK(error_of(std::string("/abc\0\0\0\0,f\0\0", 12)) == OscError::kTruncated);
    CHECK(error_of(std::string("/abc\0\0\0\0,d\0\0\0\0\0\0", 16)) == OscError::kTruncated);
    CHECK(error_of(std::string("/abc\0\0\0\0,s\0\0", 12)) == OscError::kBadString);
    CHECK(error_of(good + std::string(4, '\0')) == OscError::kTrailingBytes);
  }
  SECTION("huge sizes in blobs and bundle elements") {
    CHECK(error_of(std::string("/abc\0\0\0\0,b\0\0\x7f\xff\xff\xff", 16)) == OscError::kTruncated);
    CHECK(error_of(std::string("/abc\0\0\0\0,b\0\0\xff\xff\xff\xfc", 16)) == OscError::kTruncated);
    const std::string header = encode_osc_bundle({});
    CHECK(error_of(header + std::string("\x7f\xff\xff\xfc", 4) + good) == OscError::kTruncated);
    CHECK(error_of(header + std::string("\xff\xff\xff\xfc", 4) + good) == OscError::kTruncated);
    CHECK(error_of(header + std::string("\0\0\0\0", 4)) == OscError::kBadBundleElement);
    CHECK(error_of(header + std::string("\0\0\0\x06", 4) + good) == OscError::kBadBundleElement);
    CHECK(error_of(std::string("#bundle\0", 8)) == OscError::kTruncated);
  }
  SECTION("a bad message anywhere in a bundle rejects the bundle") {
    const std::string packet = encode_osc_bundle({good, std::string("/abc\0\0\0\0,x\0\0", 12)});
    CHECK(error_of(packet) == OscError::kUnsupportedType);
  }
  SECTION("every prefix of a bundle is handled without harm") {
    const std::string bundle = encode_osc_bundle({good, osc_apply(), osc_bone("Head", {})});
    for (std::size_t length = 0; length < bundle.size(); ++length) {
      OscError error = OscError::kNone;
      parse_addresses(bundle.substr(0, length), error);
      CHECK_FALSE(describe(error).empty());
    }
  }
}

// ----------------------------------------------------------------------------------------------------
// VMC

TEST_CASE("network trackers: Unity head quaternions become iFacialMocap-style angles", "[network]") {
  const HeadRotation rest = head_rotation_from_unity(UnityQuaternion{});
  CHECK(rest.x_degrees == Approx(0.0f).margin(1e-5));
  CHECK(rest.y_degrees == Approx(0.0f).margin(1e-5));
  CHECK(rest.z_degrees == Approx(0.0f).margin(1e-5));
  // Unity +x pitches the face down, as ARKit's +x does; Unity's mirrored x axis flips yaw and roll.
  CHECK(head_rotation_from_unity(unity_angle_axis(20, 1, 0, 0)).x_degrees == Approx(20.0f));
  const HeadRotation turned = head_rotation_from_unity(unity_angle_axis(20, 0, 1, 0));
  CHECK(turned.y_degrees == Approx(-20.0f));
  CHECK(turned.x_degrees == Approx(0.0f).margin(1e-4));
  CHECK(head_rotation_from_unity(unity_angle_axis(20, 0, 0, 1)).z_degrees == Approx(-20.0f));
  // Not normalised, or degenerate: scaled quaternions give the same angles; a zero one gives rest.
  const UnityQuaternion q = unity_angle_axis(30, 0, 1, 0);
  CHECK(head_rotation_from_unity({q.x * 3, q.y * 3, q.z * 3, q.w * 3}).y_degrees == Approx(-30.0f));
  CHECK(head_rotation_from_unity({0, 0, 0, 0}).y_degrees == 0.0f);
}

TEST_CASE("network trackers: VMC blendshapes apply on /VMC/Ext/Blend/Apply", "[network]") {
  VmcFaceState state;
  VmcPacketResult result = state.apply_packet(osc_blend("JawOpen", 0.4f));  // perfect-sync spelling
  CHECK(result.ok());
  CHECK_FALSE(result.frame_changed);
  CHECK(state.frame().blendshapes[Blendshape::kJawOpen] == 0.0f);  // not applied yet

  result = state.apply_packet(encode_osc_bundle({osc_blend("Blink_L", 0.8f), osc_blend("A", 1.0f), osc_apply()}));
  CHECK(result.ok());
  CHECK(result.frame_changed);
  CHECK(state.frame().blendshapes[Blendshape::kJawOpen] == Approx(0.4f));
  // VRM presets are kept beside the ARKit shapes; a frame that named an ARKit shape is read as ARKit.
  CHECK(state.frame().presets[VrmExpression::kBlinkLeft] == Approx(0.8f));
  CHECK(state.frame().presets[VrmExpression::kAa] == 1.0f);
  CHECK(state.frame().vocabulary == FaceVocabulary::kArkit);

  // Values persist until changed; out-of-range values are clamped; presets alone make a preset frame.
  CHECK(state.apply_packet(encode_osc_bundle({osc_blend("Blink", 2.0f), osc_apply()})).ok());
  CHECK(state.frame().presets[VrmExpression::kBlink] == 1.0f);
  CHECK(state.frame().vocabulary == FaceVocabulary::kVrmPresets);
  CHECK(state.frame().blendshapes[Blendshape::kJawOpen] == Approx(0.4f));

  // Other VMC messages are valid and ignored.
  const std::string other = encode_osc_bundle({encode_osc_message("/VMC/Ext/OK", {OscArgument::int32(1)}),
                                               encode_osc_message("/VMC/Ext/T", {OscArgument::float32(12.5f)}),
                                               osc_bone("LeftHand", UnityQuaternion{})});
  result = state.apply_packet(other);
  CHECK(result.ok());
  CHECK_FALSE(result.frame_changed);
}

TEST_CASE("network trackers: VMC Head and Neck bones set the head rotation", "[network]") {
  VmcFaceState state;
  const VmcPacketResult result = state.apply_packet(osc_bone("Head", unity_angle_axis(10, 0, 1, 0)));
  CHECK(result.ok());
  CHECK(result.frame_changed);
  CHECK(state.frame().head.y_degrees == Approx(-10.0f));
  CHECK(state.apply_packet(osc_bone("Neck", unity_angle_axis(5, 0, 1, 0))).ok());
  CHECK(state.frame().head.y_degrees == Approx(-15.0f));  // neck · head
  const Pose pose = convert(state.frame());
  CHECK(pose_value(pose, "head_y") == Approx(1.0f));  // −(−15) clamped to 10, / 10
}

TEST_CASE("network trackers: malformed VMC packets change nothing", "[network]") {
  VmcFaceState state;
  REQUIRE(state.apply_packet(encode_osc_bundle({osc_blend("jawOpen", 0.3f), osc_apply()})).ok());
  const auto unchanged = [&] { CHECK(state.frame().blendshapes[Blendshape::kJawOpen] == Approx(0.3f)); };

  const auto rejected = [&](const std::string& packet, VmcPacketError expected) {
    const VmcPacketResult result = state.apply_packet(packet);
    CHECK(result.error == expected);
    CHECK_FALSE(result.frame_changed);
    CHECK_FALSE(describe(result).empty());
    unchanged();
  };
  rejected(encode_osc_bundle({osc_blend("jawOpen", 0.9f), osc_apply(),
                              encode_osc_message("/VMC/Ext/Blend/Val", {OscArgument::string("jawOpen")})}),
           VmcPacketError::kBadBlendValue);
  rejected(encode_osc_message("/VMC/Ext/Blend/Val", {OscArgument::int32(1), OscArgument::float32(0.5f)}),
           VmcPacketError::kBadBlendValue);
  rejected(osc_blend("jawOpen", std::numeric_limits<float>::quiet_NaN()), VmcPacketError::kBadBlendValue);
  rejected(osc_blend("jawOpen", std::numeric_limits<float>::infinity()), VmcPacketError::kBadBlendValue);
  rejected(encode_osc_bundle({osc_blend("jawOpen", 0.9f), osc_apply(), osc_bone("Head", UnityQuaternion{0, 0, 0, 0})}),
           VmcPacketError::kBadBonePose);
  rejected(encode_osc_message("/VMC/Ext/Bone/Pos", {OscArgument::string("Head"), OscArgument::float32(0)}),
           VmcPacketError::kBadBonePose);
  rejected(encode_osc_message("/VMC/Ext/Bone/Pos", {OscArgument::float32(0)}), VmcPacketError::kBadBonePose);
  rejected("garbage!", VmcPacketError::kBadOsc);
  rejected(std::string("/VMC\0\0\0\0,f\0\0", 12), VmcPacketError::kBadOsc);
}

// ----------------------------------------------------------------------------------------------------
// End to end over loopback UDP

TEST_CASE("network trackers: iFacialMocap over loopback UDP, with the start request", "[network][udp]") {
  LoopbackSocket phone;
  IFacialMocapTrackerOptions options;
  options.port = 0;
  options.bind_address = "127.0.0.1";
  options.phone_address = "127.0.0.1";
  options.phone_port = phone.port();
  auto tracker = std::make_unique<IFacialMocapTracker>(options);
  REQUIRE(tracker->port() != 0);
  CHECK_FALSE(tracker->latest().has_value());
  CHECK(tracker->status().rfind("waiting for iFacialMocap on UDP port " + std::to_string(tracker->port()), 0) == 0);

  // The tracker asks the "phone" to stream, as the reference does.
  const auto request = phone.receive(2000);
  REQUIRE(request.has_value());
  CHECK(*request == kIFacialMocapStartHandshake);

  const double before = steady_seconds();
  phone.send(tracker->port(), make_ifacialmocap_packet({{Blendshape::kEyeBlinkLeft, 80},
                                                        {Blendshape::kJawOpen, 40},
                                                        {Blendshape::kMouthLowerDownLeft, 50},
                                                        {Blendshape::kMouthLowerDownRight, 50}},
                                                       HeadRotation{-15, 0, 0}));
  REQUIRE(eventually([&] { return tracker->latest().has_value(); }));
  const TrackedPose first = *tracker->latest();
  CHECK(first.face_found);
  CHECK(first.timestamp >= before);
  CHECK(first.timestamp <= steady_seconds());
  CHECK(pose_value(first.pose, "eye_wink_left") == Approx(1.0f));
  CHECK(pose_value(first.pose, "mouth_aaa") == Approx(1.0f).margin(1e-3));
  CHECK(pose_value(first.pose, "head_x") == Approx(1.0f));
  CHECK(tracker->status() == "receiving iFacialMocap");

  // Malformed, oversized and empty datagrams are counted and dropped; tracking goes on.
  phone.send(tracker->port(), "jawOpen&nan|");
  phone.send(tracker->port(), std::string(kMaxIFacialMocapPacketBytes + 100, 'x'));
  phone.send(tracker->port(), "");
  phone.send(tracker->port(), make_ifacialmocap_packet({{Blendshape::kEyeBlinkRight, 80}}));
  REQUIRE(eventually([&] { return tracker->counters().packets_ok == 2; }));
  CHECK(eventually([&] { return tracker->latest()->sequence > first.sequence; }));
  const UdpReceiverCounters counts = tracker->counters();
  CHECK(counts.packets_malformed == 2);
  CHECK(counts.packets_dropped == 1);
  const TrackedPose second = *tracker->latest();
  CHECK(pose_value(second.pose, "eye_wink_left") == 0.0f);
  CHECK(pose_value(second.pose, "eye_wink_right") == Approx(1.0f));
  CHECK(tracker->status().find("3 bad packets dropped") != std::string::npos);

  CHECK(seconds_to_destroy(tracker) < 1.0);
}

TEST_CASE("network trackers: VMC over loopback UDP", "[network][udp]") {
  LoopbackSocket performer;
  VmcTrackerOptions options;
  options.port = 0;
  options.bind_address = "127.0.0.1";
  auto tracker = std::make_unique<VmcTracker>(options);
  CHECK(tracker->status() == "waiting for VMC on UDP port " + std::to_string(tracker->port()));

  // Root and body bones alone animate nothing.
  performer.send(tracker->port(), encode_osc_bundle({osc_bone("Hips", UnityQuaternion{})}));
  REQUIRE(eventually([&] { return tracker->counters().packets_ok == 1; }));
  CHECK_FALSE(tracker->latest().has_value());
  CHECK(tracker->status().find("no face data yet") != std::string::npos);

  performer.send(tracker->port(), encode_osc_bundle({osc_blend("EyeBlinkLeft", 0.8f), osc_blend("MouthFrownLeft", 0.3f),
                                                     osc_blend("MouthFrownRight", 0.3f), osc_apply(),
                                                     osc_bone("Head", unity_angle_axis(5, 0, 1, 0))}));
  REQUIRE(eventually([&] { return tracker->latest().has_value(); }));
  const TrackedPose pose = *tracker->latest();
  CHECK(pose.face_found);
  CHECK(pose_value(pose.pose, "eye_wink_left") == Approx(1.0f));
  CHECK(pose_value(pose.pose, "mouth_lowered_corner_left") == Approx(1.0f));
  CHECK(pose_value(pose.pose, "head_y") == Approx(0.5f));
  CHECK(tracker->status() == "receiving VMC");

  performer.send(tracker->port(), "not osc at all");
  const std::string bundle = encode_osc_bundle({osc_blend("jawOpen", 1.0f), osc_apply()});
  performer.send(tracker->port(), bundle.substr(0, bundle.size() - 8));  // truncated
  performer.send(tracker->port(), encode_osc_bundle({osc_blend("jawOpen", 0.4f), osc_blend("mouthLowerDownLeft", 0.5f),
                                                     osc_blend("mouthLowerDownRight", 0.5f), osc_apply()}));
  REQUIRE(eventually([&] { return tracker->counters().packets_ok == 3; }));
  CHECK(tracker->counters().packets_malformed == 2);
  REQUIRE(eventually([&] { return tracker->latest()->sequence > pose.sequence; }));
  // The mouth is open on "a"; the blink from the earlier packet is still applied.
  CHECK(pose_value(tracker->latest()->pose, "mouth_aaa") == Approx(1.0f).margin(1e-3));
  CHECK(pose_value(tracker->latest()->pose, "eye_wink_left") == Approx(1.0f));

  CHECK(seconds_to_destroy(tracker) < 1.0);
}

TEST_CASE("network trackers: a silent source makes the pose stale and says so", "[network][udp]") {
  LoopbackSocket phone;
  IFacialMocapTrackerOptions options;
  options.port = 0;
  options.bind_address = "127.0.0.1";
  IFacialMocapTracker tracker(options);
  phone.send(tracker.port(), "jawOpen&40|");
  REQUIRE(eventually([&] { return tracker.latest().has_value(); }));
  CHECK(tracker.latest()->face_found);
  REQUIRE(eventually([&] { return !tracker.latest()->face_found; }, std::chrono::seconds(4)));
  CHECK(tracker.status().rfind("no iFacialMocap packets for ", 0) == 0);
  tracker.stop();
  tracker.stop();  // idempotent
  CHECK(tracker.latest().has_value());
}

TEST_CASE("network trackers: bad addresses and a taken port are reported", "[network][udp]") {
  IFacialMocapTrackerOptions bad_phone;
  bad_phone.port = 0;
  bad_phone.bind_address = "127.0.0.1";
  bad_phone.phone_address = "my-phone.local";
  CHECK_THROWS_AS(IFacialMocapTracker(bad_phone), NetworkError);

  VmcTrackerOptions first_options;
  first_options.port = 0;
  first_options.bind_address = "127.0.0.1";
  VmcTracker first(first_options);
  VmcTrackerOptions same_port = first_options;
  same_port.port = first.port();
  CHECK_THROWS_WITH(VmcTracker(same_port), Catch::Matchers::Contains("cannot listen on UDP port"));

  VmcTrackerOptions bad_bind;
  bad_bind.bind_address = "300.1.1.1";
  CHECK_THROWS_AS(VmcTracker(bad_bind), NetworkError);
}
