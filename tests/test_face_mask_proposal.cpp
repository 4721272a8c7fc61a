// The proposed face mask (inference/distill/face_mask_proposal.h): on a constructed face whose organs are known
// exactly, and on the two real characters against their official, hand-made masks.
#include "inference/distill/face_mask_proposal.h"
#include "inference/image/image_io.h"
#include "inference/pose/pose.h"
#include "tests/test_support.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <regex>

using namespace tha4;
using namespace tha4::distill;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

namespace {

// A rectangle of the 128² crop: columns [x, x + w), rows [y, y + h).
struct CropRect {
  int x, y, w, h;
};

// A face that changes exactly inside `organs` when any face parameter is set (by 0.5 of the −1..1 range, so
// 0.25 in 0..1 units: above the 0.1 threshold), plus what the proposal must ignore: a one-pixel line that
// sways (hair) and a blob cut by the crop's top edge (a fringe).
FaceCropFunction constructed_face(std::vector<CropRect> organs) {
  return [organs](const torch::Tensor& poses) {
    const int64_t n = poses.size(0);
    torch::Tensor crops = torch::zeros({n, 4, 128, 128});
    for (int64_t i = 0; i < n; ++i) {
      if (poses[i].narrow(0, 0, kFaceMorpherPoseSize).abs().sum().item<float>() == 0.0f) continue;  // the rest pose
      for (const CropRect& r : organs) crops[i].narrow(1, r.y, r.h).narrow(2, r.x, r.w).fill_(0.5f);
      crops[i].narrow(1, 60, 1).narrow(2, 4, 50).fill_(0.8f);   // a thin swaying line
      crops[i].narrow(1, 0, 12).narrow(2, 90, 20).fill_(0.8f);  // a fringe the crop cuts
    }
    return crops;
  };
}

FaceMaskOptions quick() {
  FaceMaskOptions options;
  options.random_poses = 4;
  return options;
}

bool masked(const Rgba8Image& mask, int picture_x, int picture_y) { return mask.at(picture_x, picture_y)[0] == 255; }

}  // namespace

TEST_CASE("face mask: the organs of a constructed face get the documented boxes, nothing else is masked",
          "[distill][mask]") {
  // Right eye, left eye (the picture's left, right), mouth: crop coordinates.
  const FaceMaskProposal proposal =
      propose_face_mask(constructed_face({{24, 36, 30, 20}, {74, 36, 30, 20}, {54, 90, 20, 10}}), quick());
  REQUIRE(proposal.missing.empty());
  REQUIRE(proposal.parts.size() == 3);
  CHECK(proposal.parts[0].name == "right eye");
  CHECK(proposal.parts[1].name == "left eye");
  CHECK(proposal.parts[2].name == "mouth");
  // The eyes' centres are 50 pixels apart: the eye margin is round(0.12 × 50) = 6.
  CHECK(proposal.eye_distance == Approx(50.0f));
  const PictureBox eye = proposal.parts[0].moving;
  CHECK((eye.x == 192 + 24 && eye.y == 80 + 36 && eye.width == 30 && eye.height == 20));
  const PictureBox eye_box = proposal.parts[0].masked;
  CHECK((eye_box.x == 216 - 6 && eye_box.y == 116 - 6 && eye_box.width == 42 && eye_box.height == 32));
  // The mouth: 5 pixels above (0.1 × 50), 80 wide (1.6 × 50) about its middle, 38 high (0.75 × 50 rounded).
  const PictureBox mouth = proposal.parts[2].masked;
  CHECK((mouth.x == 192 + 64 - 40 && mouth.y == 80 + 90 - 5 && mouth.width == 80 && mouth.height == 38));

  // The mask is exactly the three boxes: the line and the fringe are not in it.
  int marked = 0;
  for (int y = 0; y < 512; ++y) {
    for (int x = 0; x < 512; ++x) marked += masked(proposal.mask, x, y);
  }
  CHECK(marked == 2 * 42 * 32 + 80 * 38);
  CHECK_FALSE(masked(proposal.mask, 192 + 8, 80 + 60));   // the line
  CHECK_FALSE(masked(proposal.mask, 192 + 100, 80 + 5));  // the fringe
  CHECK(proposal.face_fraction == Approx(marked / (128.0 * 128.0)));
  CHECK(proposal.mask.at(0, 0)[3] == 255);  // opaque, as the distiller reads masks
}

TEST_CASE("face mask: an organ that does not move is reported and masked at its usual place", "[distill][mask]") {
  const FaceMaskProposal proposal = propose_face_mask(constructed_face({{74, 36, 30, 20}, {54, 90, 20, 10}}), quick());
  REQUIRE(proposal.missing == std::vector<std::string>{"right eye"});
  REQUIRE(proposal.parts.size() == 2);
  CHECK(proposal.eye_distance == Approx(46.0f));
  CHECK(proposal.parts[0].masked.width == 30 + 2 * 6);  // round(0.12 × 46) = 6
  CHECK(proposal.parts[1].masked.width == 74);          // round(1.6 × 46)

  CHECK(masked(proposal.mask, 212, 110));  // the right eye's usual box: x 212..251, y 110..151
  CHECK(masked(proposal.mask, 251, 151));
  CHECK_FALSE(masked(proposal.mask, 211, 130));

  // Nothing moves at all (a teacher with random weights): the usual three boxes, so the distiller still has
  // its face area weighed.
  const FaceMaskProposal still = propose_face_mask(constructed_face({}), quick());
  CHECK(still.parts.empty());
  CHECK(still.missing.size() == 3);
  CHECK(still.face_fraction == Approx((2 * 40 * 42 + 72 * 34) / (128.0 * 128.0)));
}

TEST_CASE("face mask: intersection over union by hand, and a face function of the wrong shape is an error",
          "[distill][mask]") {
  Rgba8Image a(4, 1), b(4, 1);
  a.at(0, 0)[0] = a.at(1, 0)[0] = a.at(2, 0)[0] = 255;  // a: pixels 0, 1, 2
  b.at(1, 0)[0] = b.at(2, 0)[0] = b.at(3, 0)[0] = 255;  // b: pixels 1, 2, 3
  CHECK(mask_iou(a, b) == Approx(2.0 / 4.0));
  CHECK(mask_iou(a, a) == 1.0);
  CHECK_THROWS_WITH(mask_iou(a, Rgba8Image(2, 2)), Contains("differ in size"));

  const FaceCropFunction wrong = [](const torch::Tensor& poses) { return torch::zeros({poses.size(0), 3, 128, 128}); };
  CHECK_THROWS_WITH(propose_face_mask(wrong, quick()), Contains("(n, 4, 128, 128)"));
}

TEST_CASE("face mask: tha4 distill mask on the two real characters comes within 0.8 IoU of the official masks",
          "[distill][mask][models]") {
  // Measured: 0.859 (lambda_00) and 0.809 (lambda_01) with the extremes alone; docs/face-mask.md explains
  // what is left between them and the 0.9 goal.
  for (const char* name : {"lambda_00", "lambda_01"}) {
    test::ScratchDir dir("face-mask");
    const fs::path official = test::shared_images_dir() / (std::string(name) + "_face_mask.png");
    const test::CliResult result = test::run_cli(
        {"distill", "mask", "--image", (test::shared_images_dir() / (std::string(name) + ".png")).string(), "-o",
         (dir.path() / "mask.png").string(), "--character", (test::models_dir() / name).string(), "--compare",
         official.string(), "--random-poses", "0"});
    INFO(result.output);
    REQUIRE(result.exit_code == 0);
    CHECK_THAT(result.output,
               Contains("right eye: moves in") && Contains("left eye: moves in") && Contains("mouth: moves in"));
    std::smatch match;
    const std::regex iou("intersection over union with [^:]*: ([0-9.]+)");
    REQUIRE(std::regex_search(result.output, match, iou));
    CHECK(std::stod(match[1]) >= 0.8);
    const Rgba8Image preview = read_rgba8_image(dir.path() / "mask_preview.png");
    CHECK((preview.width == 512 && preview.height == 512));
    CHECK(read_rgba8_image(dir.path() / "mask.png").width == 512);
  }
}

TEST_CASE("face mask: distill init without a mask and without the teacher says how to get one", "[distill][mask]") {
  test::ScratchDir dir("face-mask-init");
  const test::CliResult result =
      test::run_cli({"distill", "init", "--image", (test::shared_images_dir() / "lambda_00.png").string(), "--out",
                     (dir.path() / "run").string()});
  INFO(result.output);
  CHECK(result.exit_code != 0);
  CHECK_THAT(result.output, Contains("--tha4-dir") && Contains("--mask"));
  CHECK_FALSE(fs::exists(dir.path() / "run" / "face_mask.png"));
}
