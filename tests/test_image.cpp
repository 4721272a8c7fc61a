#include "inference/image/display.h"
#include "inference/image/image_io.h"
#include "inference/image/srgb.h"
#include "inference/util/errors.h"
#include "tests/test_support.h"

#include <catch2/catch.hpp>
#include <opencv2/imgcodecs.hpp>

#include <cmath>
#include <fstream>
#include <vector>

using namespace tha4;
using tha4::test::ScratchDir;

namespace {

// Writes a PNG with the given OpenCV type, filled with `value` (alpha, if any, from `alpha`).
std::filesystem::path write_test_png(const std::filesystem::path& dir, const std::string& name, int size, int type,
                                     double value, double alpha) {
  cv::Mat mat(size, size, type, cv::Scalar(value, value, value, alpha));
  const auto file = dir / name;
  REQUIRE(cv::imwrite(file.string(), mat));
  return file;
}

Rgba8Image transparent_character() {
  Rgba8Image image(512, 512);
  for (int y = 100; y < 400; ++y) {
    for (int x = 150; x < 350; ++x) {
      std::uint8_t* px = image.at(x, y);
      px[0] = 200, px[1] = 120, px[2] = 40, px[3] = 255;
    }
  }
  return image;
}

}  // namespace

TEST_CASE("image: sRGB table matches the formula within one ulp and ends exactly", "[image]") {
  CHECK(srgb8_to_linear(0) == 0.0f);
  CHECK(srgb8_to_linear(255) == 1.0f);
  for (int level = 0; level < 256; ++level) {
    const float c = static_cast<float>(level) / 255.0f;
    const float expected = c <= 0.04045f ? c / 12.92f : std::pow((c + 0.055f) / 1.055f, 2.4f);
    CHECK(std::abs(srgb8_to_linear(static_cast<std::uint8_t>(level)) - expected) <=
          2e-7f * std::max(1.0f, expected * 8));
  }
  CHECK(linear_to_srgb(-1.0f) == 0.0f);
  CHECK(linear_to_srgb(2.0f) == Approx(1.0f));
  CHECK(linear_to_srgb(srgb8_to_linear(128)) * 255.0f == Approx(128.0f).margin(1e-3));
}

TEST_CASE("image: the loader rejects unusable images with a message that says why", "[image]") {
  ScratchDir dir("image-reject");
  CHECK_THROWS_WITH(read_rgba8_image(dir.path() / "missing.png"), Catch::Contains("not found"));
  CHECK_THROWS_WITH(read_rgba8_image(write_test_png(dir.path(), "rgb.png", 512, CV_8UC3, 100, 0)),
                    Catch::Contains("no alpha channel"));
  CHECK_THROWS_WITH(read_rgba8_image(write_test_png(dir.path(), "grey.png", 512, CV_8UC1, 100, 0)),
                    Catch::Contains("greyscale"));
  CHECK_THROWS_WITH(read_rgba8_image(write_test_png(dir.path(), "deep.png", 512, CV_16UC4, 1000, 0)),
                    Catch::Contains("16-bit"));
  const auto garbage = dir.path() / "garbage.png";
  { std::ofstream(garbage) << "this is not an image"; }
  CHECK_THROWS_WITH(read_rgba8_image(garbage), Catch::Contains("cannot decode") && Catch::Contains("not a PNG"));
  const auto jpeg = dir.path() / "picture.jpg";
  REQUIRE(cv::imwrite(jpeg.string(), cv::Mat(64, 64, CV_8UC3, cv::Scalar(1, 2, 3))));
  CHECK_THROWS_WITH(read_rgba8_image(jpeg), Catch::Contains("not a PNG"));

  // A valid small PNG whose header is edited to declare 60000 × 512 pixels: refused before decoding.
  std::vector<std::uint8_t> png;
  REQUIRE(cv::imencode(".png", cv::Mat(512, 512, CV_8UC4, cv::Scalar(0, 0, 0, 0)), png));
  png[16] = 0, png[17] = 0, png[18] = 0xea, png[19] = 0x60;  // width 60000, big-endian
  CHECK_THROWS_WITH(decode_rgba8_png(png.data(), png.size(), "huge.png"),
                    Catch::Contains("huge.png") && Catch::Contains("60000") && Catch::Contains("4096"));
  png[18] = 0x02, png[19] = 0x00;  // back to 512
  CHECK(decode_rgba8_png(png.data(), png.size(), "ok.png").width == 512);
  const std::vector<std::uint8_t> truncated(png.begin(), png.begin() + static_cast<std::ptrdiff_t>(png.size() / 2));
  CHECK_THROWS_WITH(decode_rgba8_png(truncated.data(), truncated.size(), "cut.png"), Catch::Contains("cut.png"));

  // Readable RGBA, but not a usable character.
  const Rgba8Image opaque = read_rgba8_image(write_test_png(dir.path(), "opaque.png", 512, CV_8UC4, 100, 255));
  CHECK_THROWS_WITH(validate_character_image(opaque, "opaque.png"), Catch::Contains("fully opaque"));
  const Rgba8Image small = read_rgba8_image(write_test_png(dir.path(), "small.png", 256, CV_8UC4, 100, 0));
  CHECK_THROWS_WITH(validate_character_image(small, "small.png"),
                    Catch::Contains("256x256") && Catch::Contains("512x512"));
  CHECK_NOTHROW(validate_character_image(transparent_character(), "ok"));
}

TEST_CASE("image: RGBA order survives a PNG round trip", "[image]") {
  ScratchDir dir("image-roundtrip");
  Rgba8Image image(4, 2);
  for (std::size_t i = 0; i < image.pixels.size(); ++i) image.pixels[i] = static_cast<std::uint8_t>(i * 7);
  write_png(image, dir.path() / "rt.png");
  const Rgba8Image back = read_rgba8_image(dir.path() / "rt.png");
  CHECK(back.width == 4);
  CHECK(back.height == 2);
  CHECK(back.pixels == image.pixels);
}

TEST_CASE("image: PNG -> tensor follows the reference conventions", "[image]") {
  Rgba8Image image(2, 1);
  const std::uint8_t px0[4] = {255, 0, 128, 255};
  const std::uint8_t px1[4] = {255, 255, 255, 0};
  std::copy_n(px0, 4, image.at(0, 0));
  std::copy_n(px1, 4, image.at(1, 0));
  const torch::Tensor t = rgba8_to_tensor(image);
  REQUIRE(t.sizes() == torch::IntArrayRef({4, 1, 2}));
  CHECK(t[0][0][0].item<float>() == 1.0f);
  CHECK(t[1][0][0].item<float>() == -1.0f);
  CHECK(t[2][0][0].item<float>() == srgb8_to_linear(128) * 2.0f - 1.0f);
  CHECK(t[3][0][0].item<float>() == 1.0f);
  for (int c = 0; c < 4; ++c) CHECK(t[c][0][1].item<float>() == -1.0f);  // transparent: premultiplied to -1
}

TEST_CASE("image: display paths round, truncate and un-premultiply", "[image]") {
  // One pixel: premultiplied linear 0.25 with alpha 0.5 (stored as x*2-1).
  const torch::Tensor pixel = torch::tensor({-0.5f, -0.5f, -0.5f, 0.0f}).view({4, 1, 1});
  const Rgba8Image round = image_tensor_to_rgba8(pixel, DisplayPath::kReferenceRound);
  const Rgba8Image trunc = image_tensor_to_rgba8(pixel, DisplayPath::kReferenceTruncate);
  const Rgba8Image straight = image_tensor_to_rgba8(pixel, DisplayPath::kStraightAlpha);
  const float srgb_quarter = linear_to_srgb(0.25f) * 255.0f;  // 136.7
  const float srgb_half = linear_to_srgb(0.5f) * 255.0f;      // 187.5
  CHECK(round.pixels[0] == static_cast<int>(std::nearbyint(srgb_quarter)));
  CHECK(trunc.pixels[0] == static_cast<int>(srgb_quarter));
  CHECK(straight.pixels[0] == static_cast<int>(std::nearbyint(srgb_half)));
  CHECK(round.pixels[3] == 128);  // rint(127.5) rounds half to even
  CHECK(trunc.pixels[3] == 127);
  // Fully transparent pixels un-premultiply to black rather than dividing by zero.
  const Rgba8Image clear = image_tensor_to_rgba8(torch::full({4, 1, 1}, -1.0f), DisplayPath::kStraightAlpha);
  CHECK(clear.pixels == std::vector<std::uint8_t>{0, 0, 0, 0});
}

TEST_CASE("image: alpha and grid-change outputs are visualised opaque", "[image]") {
  const Rgba8Image alpha = output_tensor_to_rgba8(torch::full({1, 1, 3, 3}, 1.0f), DisplayPath::kReferenceRound);
  CHECK(alpha.width == 3);
  CHECK(alpha.pixels[0] == 255);
  CHECK(alpha.pixels[3] == 255);
  const Rgba8Image still = output_tensor_to_rgba8(torch::zeros({2, 2, 2}), DisplayPath::kReferenceRound);
  CHECK(still.pixels[0] == 0);
  CHECK(still.pixels[3] == 255);
  const Rgba8Image moving = output_tensor_to_rgba8(torch::full({2, 2, 2}, 0.2f), DisplayPath::kReferenceRound);
  CHECK(std::max({moving.pixels[0], moving.pixels[1], moving.pixels[2]}) > 100);
}
