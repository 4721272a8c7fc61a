#include "inference/rotator_training/synthetic_dataset.h"

#include "inference/image/image_io.h"
#include "inference/util/errors.h"

#include <opencv2/imgproc.hpp>

#include <cmath>
#include <cstring>
#include <random>

namespace tha4::rotator_training {
namespace {

namespace fs = std::filesystem;

cv::Mat draw_character(int size, int character) {
  cv::Mat picture(size, size, CV_8UC4, cv::Scalar(0, 0, 0, 0));
  const double s = size;
  const cv::Scalar body = character % 2 == 0 ? cv::Scalar(40, 90, 200, 255) : cv::Scalar(200, 60, 80, 255);
  const cv::Scalar head(250, 220, 190, 255);
  const cv::Scalar eye(30, 30, 60, 255);
  cv::ellipse(picture, cv::Point(size / 2, static_cast<int>(0.8 * s)),
              cv::Size(static_cast<int>(0.22 * s), static_cast<int>(0.25 * s)), 0, 0, 360, body, cv::FILLED,
              cv::LINE_AA);
  cv::circle(picture, cv::Point(size / 2, static_cast<int>((0.38 + 0.04 * character) * s)), static_cast<int>(0.17 * s),
             head, cv::FILLED, cv::LINE_AA);
  cv::circle(picture, cv::Point(static_cast<int>(0.44 * s), static_cast<int>(0.36 * s)),
             std::max(1, static_cast<int>(0.03 * s)), eye, cv::FILLED, cv::LINE_AA);
  return picture;
}

cv::Mat pose_picture(const cv::Mat& rest, const std::array<float, kBodyPoseSize>& pose) {
  const double s = rest.cols;
  const double head_x = pose[0], head_y = pose[1], neck_z = pose[2], body_z = pose[4], breathing = pose[5];
  const double theta = 0.3 * body_z + 0.2 * neck_z;
  const double scale = 1 + 0.06 * breathing;
  cv::Mat motion = cv::getRotationMatrix2D(cv::Point2f(static_cast<float>(s / 2), static_cast<float>(s - 1)),
                                           theta * 180.0 / M_PI, scale);
  motion.at<double>(0, 2) += head_x * s / 8;
  motion.at<double>(1, 2) += head_y * s / 8;
  cv::Mat posed;
  cv::warpAffine(rest, posed, motion, rest.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT, cv::Scalar(0, 0, 0, 0));
  return posed;
}

void write_mat(const cv::Mat& rgba, const fs::path& file) {
  Rgba8Image image(rgba.cols, rgba.rows);
  std::memcpy(image.pixels.data(), rgba.data, image.pixels.size());
  write_png(image, file);
}

}  // namespace

void write_synthetic_dataset(const fs::path& folder, int64_t image_size, int examples, int characters, uint64_t seed) {
  if (image_size < 8 || image_size % 2 != 0 || examples < 1 || characters < 1) {
    throw Error("synthetic dataset: need an even size of at least 8 and at least one example and character");
  }
  fs::create_directories(folder / "rest");
  fs::create_directories(folder / "posed");
  std::vector<cv::Mat> rests;
  for (int c = 0; c < characters; ++c) {
    rests.push_back(draw_character(static_cast<int>(image_size), c));
    write_mat(rests.back(), folder / "rest" / ("character_" + std::to_string(c) + ".png"));
  }
  std::mt19937_64 generator(seed);
  std::uniform_real_distribution<float> signed_unit(-1.0f, 1.0f), unit(0.0f, 1.0f);
  std::vector<ExampleRow> rows;
  for (int e = 0; e < examples; ++e) {
    const int c = e % characters;
    ExampleRow row;
    row.pose = {signed_unit(generator), signed_unit(generator), signed_unit(generator), 0.0f,
                signed_unit(generator), unit(generator)};
    row.rest = "rest/character_" + std::to_string(c) + ".png";
    row.posed = "posed/example_" + std::to_string(e) + ".png";
    write_mat(pose_picture(rests[static_cast<std::size_t>(c)], row.pose), folder / row.posed);
    rows.push_back(row);
  }
  write_examples_csv(folder, rows);
}

}  // namespace tha4::rotator_training
