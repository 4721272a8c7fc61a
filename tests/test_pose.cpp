#include "inference/pose/pose.h"
#include "inference/util/errors.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <random>
#include <set>

using namespace tha4;

TEST_CASE("pose: the table has 45 parameters in index order with the spec's ranges", "[pose]") {
  const auto& table = pose_parameters();
  std::set<std::string_view> names;
  for (int i = 0; i < kPoseSize; ++i) {
    CHECK(table[i].index == i);
    names.insert(table[i].name);
    CHECK(table[i].default_value == 0.0f);
  }
  CHECK(names.size() == 45);
  CHECK(table[26].name == "mouth_aaa");
  CHECK(table[37].name == "iris_rotation_x");
  CHECK(table[39].name == "head_x");
  CHECK(table[44].name == "breathing");
  CHECK(table[kBodyRotationPoseStart].name == "head_x");
  CHECK(table[kFaceMorpherPoseSize - 1].name == "iris_rotation_y");
  for (int i = 37; i <= 43; ++i) CHECK(table[i].min == -1.0f);
  CHECK(table[44].min == 0.0f);
  CHECK(table[36].max == 1.0f);
}

TEST_CASE("pose: parse name=value lists, with left/right shorthand", "[pose]") {
  const ParsedPose parsed = parse_pose(" head_x=0.5 , mouth_aaa=1,eye_wink=0.75,iris_rotation_y=-0.25 ");
  CHECK(parsed.warnings.empty());
  CHECK(parsed.pose[39] == 0.5f);
  CHECK(parsed.pose[26] == 1.0f);
  CHECK(parsed.pose[12] == 0.75f);
  CHECK(parsed.pose[13] == 0.75f);
  CHECK(parsed.pose[38] == -0.25f);
  CHECK(parsed.pose[0] == 0.0f);
  CHECK(parse_pose("").pose == rest_pose());
  CHECK(parse_pose("eye_wink_right=1").pose[12] == 0.0f);
}

TEST_CASE("pose: unknown names, malformed items and non-finite values are rejected", "[pose]") {
  CHECK_THROWS_WITH(parse_pose("head_q=1"), Catch::Contains("unknown pose parameter 'head_q'"));
  CHECK_THROWS_WITH(parse_pose("head_x"), Catch::Contains("name=value"));
  CHECK_THROWS_WITH(parse_pose("head_x="), Catch::Contains("no value"));
  CHECK_THROWS_WITH(parse_pose("head_x=abc"), Catch::Contains("not a number"));
  CHECK_THROWS_WITH(parse_pose("head_x=0.5x"), Catch::Contains("not a number"));
  CHECK_THROWS_WITH(parse_pose("head_x=nan"), Catch::Contains("finite"));
  CHECK_THROWS_WITH(parse_pose("mouth_aaa=inf"), Catch::Contains("finite"));
  CHECK_THROWS_WITH(parse_pose("mouth_aaa=-1e99"), Catch::Contains("finite"));
  CHECK_THROWS_AS(parse_pose("eyebrow=1"), PoseError);  // a group name is not a parameter
}

TEST_CASE("pose: out-of-range values are clamped with a warning", "[pose]") {
  const ParsedPose parsed = parse_pose("head_x=2,breathing=-0.5,mouth_ooo=0.3");
  CHECK(parsed.pose[39] == 1.0f);
  CHECK(parsed.pose[44] == 0.0f);
  CHECK(parsed.pose[30] == 0.3f);
  REQUIRE(parsed.warnings.size() == 2);
  CHECK_THAT(parsed.warnings[0], Catch::Contains("head_x") && Catch::Contains("[-1, 1]"));
}

TEST_CASE("pose: NaN poses are caught before they reach a network", "[pose]") {
  Pose pose = rest_pose();
  CHECK_NOTHROW(check_pose_finite(pose));
  pose[40] = std::numeric_limits<float>::quiet_NaN();
  CHECK_THROWS_WITH(check_pose_finite(pose), Catch::Contains("head_y"));
  pose[40] = std::numeric_limits<float>::infinity();
  CHECK_THROWS_AS(check_pose_finite(pose), PoseError);
}

TEST_CASE("pose: format_pose round-trips exactly through parse_pose", "[pose]") {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 50; ++trial) {
    Pose pose = rest_pose();
    for (const auto& p : pose_parameters()) {
      if (rng() % 2) pose[p.index] = std::uniform_real_distribution<float>(p.min, p.max)(rng);
    }
    CHECK(parse_pose(format_pose(pose)).pose == pose);
  }
  CHECK(format_pose(rest_pose()).empty());
  // Values below the smallest normal float (found by fuzz_pose_string: "eye_wink=0x1p-132" read back from its
  // decimal form as an underflow) are 0, so they round-trip too.
  for (const char* tiny : {"eye_wink=0x1p-132", "eye_wink=1e-40", "eye_wink=-1e-45", "eye_wink=1e-60"}) {
    INFO(tiny);
    const Pose pose = parse_pose(tiny).pose;
    CHECK(pose[static_cast<std::size_t>(*find_pose_parameter("eye_wink_left"))] == 0.0f);
    CHECK(parse_pose(format_pose(pose)).pose == pose);
  }
  CHECK(parse_pose("eye_wink=1.2e-38").pose[static_cast<std::size_t>(*find_pose_parameter("eye_wink_left"))] > 0.0f);
}

TEST_CASE("pose: lerp_pose interpolates every parameter", "[pose]") {
  Pose a = rest_pose();
  Pose b = rest_pose();
  b[39] = 1.0f;
  b[26] = 0.5f;
  const Pose mid = lerp_pose(a, b, 0.5f);
  CHECK(mid[39] == 0.5f);
  CHECK(mid[26] == 0.25f);
  CHECK(lerp_pose(a, b, 1.0f) == b);
}
