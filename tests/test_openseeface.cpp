// OpenSeeFace (facetracker.py): its UDP face records, written here byte by byte as facetracker.py packs them
// (tests/wire_bytes.h), parsed, mapped to a pose, and received over 127.0.0.1.

#include "tracking/network/blendshape_pose_converter.h"
#include "tracking/network/network_error.h"
#include "tracking/network/openseeface_face.h"
#include "tracking/network/openseeface_packet.h"
#include "tracking/network/openseeface_tracker.h"

#include "tests/loopback_socket.h"
#include "tests/openseeface_record.h"

#include <catch2/catch.hpp>

#include <array>
#include <cmath>
#include <limits>
#include <string>

using namespace tha4;
using namespace tha4::tracking;

namespace {

using namespace tha4::test;

float value_of(const Pose& pose, std::string_view name) {
  return pose[static_cast<std::size_t>(find_pose_parameter(name).value())];
}

Pose pose_of(const Record& record) {
  OpenSeeFaceFace face;
  REQUIRE(parse_openseeface_packet(record.bytes(), face).ok());
  OpenSeeFaceFaceConverter converter;
  return convert_face_to_pose(converter.convert(face), BlendshapePoseConverterConfig{}, 0.0);
}

}  // namespace

TEST_CASE("OpenSeeFace: a record written as facetracker.py packs it parses field by field", "[network][openseeface]") {
  Record record;
  record.id = 7;
  record.right_eye_open = 0.25f;
  record.left_eye_open = 0.75f;
  record.points_3d[69] = {0.5f, -0.25f, 2.0f};
  record.feature(OpenSeeFaceFeature::kMouthWide, -0.5f);
  const std::string bytes = record.bytes();
  REQUIRE(bytes.size() == 1785);
  OpenSeeFaceFace face;
  const OpenSeeFaceParseResult parsed = parse_openseeface_packet(bytes, face);
  REQUIRE(parsed.ok());
  CHECK(parsed.face_count == 1);
  CHECK(face.time == 1000.25);
  CHECK(face.id == 7);
  CHECK(face.camera_width == 640.0f);
  CHECK(face.camera_height == 480.0f);
  CHECK(face.right_eye_open == 0.25f);
  CHECK(face.left_eye_open == 0.75f);
  CHECK(face.success);
  CHECK(face.pnp_error == 2.5f);
  CHECK(face.quaternion == record.quaternion);
  CHECK(face.euler[2] == 90.0f);
  CHECK(face.translation[2] == 60.0f);
  CHECK(face.confidence[67] == 0.9f);
  CHECK(face.landmarks[0].x == 200.0f);  // the image column comes first
  CHECK(face.landmarks[0].y == 300.0f);
  CHECK(face.landmarks[66].x == 270.0f);
  CHECK(face.points_3d[69].y == -0.25f);
  CHECK(face.points_3d[69].z == 2.0f);
  CHECK(face.feature(OpenSeeFaceFeature::kMouthWide) == -0.5f);
}

TEST_CASE("OpenSeeFace: several faces, truncated, padded and damaged datagrams", "[network][openseeface]") {
  Record first;
  first.id = 2;
  Record second;
  second.id = 5;
  second.success = 0;  // a failed 3D fit sends a zero quaternion: valid
  second.quaternion = {0, 0, 0, 0};
  OpenSeeFaceFace face;
  OpenSeeFaceParseResult parsed = parse_openseeface_packet(first.bytes() + second.bytes(), face);
  REQUIRE(parsed.ok());
  CHECK(parsed.face_count == 2);
  CHECK(face.id == 2);  // the first record: facetracker.py sorts faces by id

  const std::string valid = first.bytes();
  face.id = -1;
  for (std::size_t length = 0; length < valid.size(); ++length) {
    parsed = parse_openseeface_packet(std::string_view(valid).substr(0, length), face);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.error == (length == 0 ? OpenSeeFacePacketError::kEmpty : OpenSeeFacePacketError::kBadLength));
  }
  CHECK(parse_openseeface_packet(valid + "x", face).error == OpenSeeFacePacketError::kBadLength);
  CHECK(parse_openseeface_packet(std::string(kMaxOpenSeeFacePacketBytes + kOpenSeeFaceRecordBytes, '\0'), face).error ==
        OpenSeeFacePacketError::kTooLarge);
  CHECK(face.id == -1);  // nothing was written by a rejected packet

  const auto rejected = [&](const Record& bad, OpenSeeFacePacketError expected) {
    // A bad second record rejects the whole datagram, the good first one included.
    OpenSeeFaceFace untouched;
    untouched.id = -1;
    const OpenSeeFaceParseResult result = parse_openseeface_packet(first.bytes() + bad.bytes(), untouched);
    CHECK(result.error == expected);
    CHECK(untouched.id == -1);
    CHECK_FALSE(describe(result.error).empty());
  };
  Record bad;
  bad.features[12] = std::numeric_limits<float>::quiet_NaN();
  rejected(bad, OpenSeeFacePacketError::kBadNumber);
  bad = Record{};
  bad.time = std::numeric_limits<double>::infinity();
  rejected(bad, OpenSeeFacePacketError::kBadNumber);
  bad = Record{};
  bad.landmarks[30][1] = -std::numeric_limits<float>::infinity();
  rejected(bad, OpenSeeFacePacketError::kBadNumber);
  bad = Record{};
  bad.success = 2;
  rejected(bad, OpenSeeFacePacketError::kBadNumber);
  bad = Record{};
  bad.width = 0;
  rejected(bad, OpenSeeFacePacketError::kBadCamera);
  bad = Record{};
  bad.quaternion = {0, 0, 0, 0};  // a successful fit must carry a rotation
  rejected(bad, OpenSeeFacePacketError::kBadRotation);
}

TEST_CASE("OpenSeeFace: the head turns, nods and tilts with the signs of the other trackers",
          "[network][openseeface]") {
  const HeadRotation facing = head_rotation_from_openseeface(openseeface_quaternion(kFacingCamera));
  CHECK(facing.x_degrees == Approx(0.0f).margin(1e-4));
  CHECK(facing.y_degrees == Approx(0.0f).margin(1e-4));
  CHECK(facing.z_degrees == Approx(0.0f).margin(1e-4));

  // Turned 20° to the subject's own left: the face's direction moves towards the model's −x.
  const Matrix left = multiply(kFacingCamera, about_y(-20));
  REQUIRE(apply(left, {0, 0, 1})[1] > 0.1);  // the nose points to the picture's right
  const HeadRotation turned = head_rotation_from_openseeface(openseeface_quaternion(left));
  CHECK(turned.y_degrees == Approx(20.0f).margin(1e-3));  // ARKit: turning to one's own left is +yaw
  CHECK(turned.x_degrees == Approx(0.0f).margin(1e-3));
  CHECK(turned.z_degrees == Approx(0.0f).margin(1e-3));

  // Looking 10° down: the face's direction moves towards −y.
  const Matrix down = multiply(kFacingCamera, about_x(10));
  REQUIRE(apply(down, {0, 0, 1})[0] > 0.1);  // the nose points down the picture
  CHECK(head_rotation_from_openseeface(openseeface_quaternion(down)).x_degrees == Approx(10.0f).margin(1e-3));

  // Tilted 12° towards the right shoulder: the subject's right side (model +x) goes down.
  const Matrix tilted = multiply(kFacingCamera, about_z(-12));
  REQUIRE(apply(tilted, {1, 0, 0})[0] > 0.1);
  CHECK(head_rotation_from_openseeface(openseeface_quaternion(tilted)).z_degrees == Approx(12.0f).margin(1e-3));

  // Through the converter: a turn to one's own left is negative head_y, as iFacialMocap's +yaw is.
  Record record;
  record.quaternion = openseeface_quaternion(multiply(kFacingCamera, about_y(-5)));
  CHECK(value_of(pose_of(record), "head_y") == Approx(-0.5f).margin(1e-3));
  CHECK(value_of(pose_of(record), "body_y") == Approx(-0.5f).margin(1e-3));
}

TEST_CASE("OpenSeeFace: the eyes close, the mouth opens, the brows and corners move", "[network][openseeface]") {
  using F = OpenSeeFaceFeature;
  Record neutral;
  const Pose rest = pose_of(neutral);
  for (const char* name : {"eye_wink_left", "eye_wink_right", "mouth_aaa", "mouth_ooo", "eyebrow_raised_left",
                           "mouth_raised_corner_left", "iris_rotation_y"}) {
    INFO(name);
    CHECK(value_of(rest, name) == 0.0f);
  }

  Record shut = neutral;
  shut.right_eye_open = 0.1f;
  shut.left_eye_open = 0.15f;
  CHECK(value_of(pose_of(shut), "eye_wink_left") == 1.0f);
  CHECK(value_of(pose_of(shut), "eye_wink_right") == 1.0f);
  Record wink = neutral;
  wink.right_eye_open = 0.0f;  // the subject's right eye
  CHECK(value_of(pose_of(wink), "eye_wink_right") == 1.0f);
  CHECK(value_of(pose_of(wink), "eye_wink_left") == 0.0f);

  Record open = neutral;
  open.feature(F::kMouthOpen, 1.0f);
  CHECK(value_of(pose_of(open), "mouth_aaa") > 0.9f);
  Record barely = neutral;
  barely.feature(F::kMouthOpen, 0.2f);  // inside the dead zone
  CHECK(value_of(pose_of(barely), "mouth_aaa") == 0.0f);
  Record rounded = open;
  rounded.feature(F::kMouthWide, -1.0f);
  const Pose round_pose = pose_of(rounded);
  CHECK(value_of(round_pose, "mouth_uuu") + value_of(round_pose, "mouth_ooo") > value_of(round_pose, "mouth_aaa"));

  Record raised = neutral;
  raised.feature(F::kEyebrowUpDownLeft, 0.8f);
  CHECK(value_of(pose_of(raised), "eyebrow_raised_left") == Approx(0.8f));
  CHECK(value_of(pose_of(raised), "eyebrow_raised_right") == 0.0f);

  Record smiling = neutral;
  smiling.feature(F::kMouthCornerUpDownLeft, 0.9f);
  smiling.feature(F::kMouthCornerUpDownRight, 0.9f);
  CHECK(value_of(pose_of(smiling), "mouth_raised_corner_left") == Approx(0.9f));
}

TEST_CASE("OpenSeeFace: the pupils turn the irises; a shut eye holds the gaze", "[network][openseeface]") {
  Record looking = Record{};
  looking.landmarks[66][0] += 6;  // both pupils towards the picture's right: the subject's own left
  looking.landmarks[67][0] += 6;
  OpenSeeFaceFace face;
  REQUIRE(parse_openseeface_packet(looking.bytes(), face).ok());
  OpenSeeFaceFaceConverter converter;
  const Pose left = convert_face_to_pose(converter.convert(face), {}, 0.0);
  CHECK(value_of(left, "iris_rotation_y") < -0.5f);  // as ARKit's and VRM's looking left

  Record shut = Record{};  // pupils back in the middle, but the eyes are shut
  shut.right_eye_open = 0.0f;
  shut.left_eye_open = 0.0f;
  REQUIRE(parse_openseeface_packet(shut.bytes(), face).ok());
  CHECK(value_of(convert_face_to_pose(converter.convert(face), {}, 0.0), "iris_rotation_y") ==
        Approx(value_of(left, "iris_rotation_y")));
}

TEST_CASE("OpenSeeFace over loopback UDP", "[network][openseeface][udp]") {
  test::LoopbackSocket facetracker;
  OpenSeeFaceTrackerOptions options;
  options.port = 0;
  options.bind_address = "127.0.0.1";
  auto tracker = std::make_unique<OpenSeeFaceTracker>(options);
  CHECK(tracker->status() == "waiting for OpenSeeFace on UDP port " + std::to_string(tracker->port()));

  Record talking;
  talking.feature(OpenSeeFaceFeature::kMouthOpen, 1.0f);
  talking.right_eye_open = 0.0f;
  talking.left_eye_open = 0.0f;
  talking.quaternion = openseeface_quaternion(multiply(kFacingCamera, about_y(8)));  // to the own right
  facetracker.send(tracker->port(), talking.bytes());
  REQUIRE(test::eventually([&] { return tracker->latest().has_value(); }));
  const TrackedPose first = *tracker->latest();
  CHECK(first.face_found);
  CHECK(value_of(first.pose, "mouth_aaa") > 0.9f);
  CHECK(value_of(first.pose, "eye_wink_left") == 1.0f);
  CHECK(value_of(first.pose, "head_y") == Approx(0.8f).margin(1e-3));
  CHECK(tracker->status() == "receiving OpenSeeFace");

  // Truncated, damaged and foreign datagrams are counted and dropped; tracking goes on.
  const std::string valid = Record{}.bytes();
  facetracker.send(tracker->port(), valid.substr(0, 1000));
  Record damaged;
  damaged.pnp_error = std::numeric_limits<float>::quiet_NaN();
  facetracker.send(tracker->port(), damaged.bytes());
  facetracker.send(tracker->port(), "iFacialMocap_sahuasouryya9218sauhuiayeta91555dy3719|sendDataVersion=v2");
  Record second_face;
  second_face.id = 1;
  facetracker.send(tracker->port(), valid + second_face.bytes());
  REQUIRE(test::eventually([&] { return tracker->counters().packets_ok == 2; }));
  REQUIRE(test::eventually([&] { return tracker->latest()->sequence > first.sequence; }));
  CHECK(tracker->counters().packets_malformed == 3);
  CHECK(value_of(tracker->latest()->pose, "mouth_aaa") == 0.0f);
  CHECK(tracker->status().find("2 faces: following the one tracked longest") != std::string::npos);
  CHECK(tracker->status().find("3 bad packets dropped") != std::string::npos);

  // The port is taken while the tracker lives, and free at once after.
  OpenSeeFaceTrackerOptions same = options;
  same.port = tracker->port();
  CHECK_THROWS_AS(OpenSeeFaceTracker(same), NetworkError);
  tracker.reset();
  CHECK_NOTHROW(OpenSeeFaceTracker(same));
}
