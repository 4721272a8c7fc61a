#include "tests/obs/test_image.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include <unistd.h>

namespace tha4::obs_test {

int max_difference(const Image& a, const Image& b) {
  if (a.width != b.width || a.height != b.height || a.rgba.size() != b.rgba.size()) return 255;
  int worst = 0;
  for (std::size_t i = 0; i < a.rgba.size(); ++i) worst = std::max(worst, std::abs(a.rgba[i] - b.rgba[i]));
  return worst;
}

std::size_t opaque_pixels(const Image& image) {
  std::size_t count = 0;
  for (std::size_t i = 3; i < image.rgba.size(); i += 4) count += image.rgba[i] != 0;
  return count;
}

Image read_png(const std::string& file) {
  const cv::Mat bgra = cv::imread(file, cv::IMREAD_UNCHANGED);
  if (bgra.empty() || bgra.type() != CV_8UC4) throw std::runtime_error("cannot read the RGBA PNG " + file);
  cv::Mat rgba;
  cv::cvtColor(bgra, rgba, cv::COLOR_BGRA2RGBA);
  Image image;
  image.width = rgba.cols;
  image.height = rgba.rows;
  image.rgba.assign(rgba.data, rgba.data + rgba.total() * 4);
  return image;
}

void write_png(const Image& image, const std::string& file) {
  cv::Mat rgba(image.height, image.width, CV_8UC4, const_cast<std::uint8_t*>(image.rgba.data()));
  cv::Mat bgra;
  cv::cvtColor(rgba, bgra, cv::COLOR_RGBA2BGRA);
  cv::imwrite(file, bgra);
}

Image render_with_cli(const std::string& model_folder, const std::string& pose, const std::string& engine) {
  const std::filesystem::path output =
      std::filesystem::temp_directory_path() / ("tha4-obs-cli-" + std::to_string(::getpid()) + ".png");
  const std::string command = std::string("'") + THA4_CLI_PATH + "' render --character '" + model_folder +
                              "' --engine " + engine + " --display premultiplied --pose '" + pose + "' -o '" +
                              output.string() + "' > /dev/null";
  if (std::system(command.c_str()) != 0) throw std::runtime_error("tha4 render failed: " + command);
  Image image = read_png(output.string());
  std::filesystem::remove(output);
  return image;
}

std::string models_dir() {
  if (const char* env = std::getenv("THA4_MODELS"); env && *env) return env;
  return std::string(THA4_SOURCE_DIR) + "/../shared/models";
}

std::string model_folder(const std::string& character) { return models_dir() + "/" + character; }

double srgb_to_linear(double v) { return v <= 0.04045 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4); }
double linear_to_srgb(double v) { return v <= 0.0031308 ? v * 12.92 : 1.055 * std::pow(v, 1.0 / 2.4) - 0.055; }

}  // namespace tha4::obs_test
