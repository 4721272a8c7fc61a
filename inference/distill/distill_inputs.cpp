#include "inference/distill/distill_inputs.h"

#include "inference/util/errors.h"

#include <opencv2/imgcodecs.hpp>

#include <stdlib.h>
#include <unistd.h>

#include <string>

namespace tha4::distill {
namespace {

constexpr int kImageSize = 512;
// The student face crop (spec §3.7): rows 80:208, cols 192:320.
constexpr int kFaceTop = 80, kFaceLeft = 192, kFaceSize = 128;

void require_png(const std::filesystem::path& file, const char* what) {
  std::string extension = file.extension().string();
  for (char& c : extension) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (extension != ".png") throw ImageError(file.string() + ": the " + what + " must be a .png file");
}

std::string pixel_text(const cv::Mat& image, int x, int y) {
  std::string text = "(x=" + std::to_string(x) + ", y=" + std::to_string(y) + ") = (";
  const std::uint8_t* p = image.ptr<std::uint8_t>(y) + static_cast<std::size_t>(x) * image.channels();
  // OpenCV's order is BGR(A); print RGB(A).
  const int channels = image.channels();
  for (int c = 0; c < channels; ++c) {
    const int index = channels >= 3 && c < 3 ? 2 - c : c;
    text += (c ? ", " : "") + std::to_string(p[index]);
  }
  return text + ")";
}

}  // namespace

Rgba8Image read_distill_character(const std::filesystem::path& file) {
  require_png(file, "character picture");
  Rgba8Image image = read_rgba8_image(file);
  validate_character_image(image, file.string());
  return image;
}

Rgba8Image read_face_mask(const std::filesystem::path& file) {
  require_png(file, "face mask");
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) throw ImageError("face mask not found: " + file.string());
  const cv::Mat mat = cv::imread(file.string(), cv::IMREAD_UNCHANGED);
  if (mat.empty()) throw ImageError(file.string() + ": cannot decode the face mask (not a PNG, or damaged)");
  if (mat.depth() != CV_8U) throw ImageError(file.string() + ": the face mask must have 8 bits per channel");
  if (mat.cols != kImageSize || mat.rows != kImageSize) {
    throw ImageError(file.string() + ": the face mask is " + std::to_string(mat.cols) + "x" + std::to_string(mat.rows) +
                     "; it must be 512x512, aligned with the character picture");
  }
  const int channels = mat.channels();
  if (channels != 1 && channels != 3 && channels != 4) {
    throw ImageError(file.string() + ": the face mask must be greyscale or RGB");
  }
  int64_t bad = 0, translucent = 0, covered_in_face = 0;
  std::string examples;
  Rgba8Image mask(kImageSize, kImageSize);
  for (int y = 0; y < kImageSize; ++y) {
    const std::uint8_t* row = mat.ptr<std::uint8_t>(y);
    for (int x = 0; x < kImageSize; ++x) {
      const std::uint8_t* p = row + static_cast<std::size_t>(x) * channels;
      const int colour_channels = channels == 4 ? 3 : channels;
      bool binary = true;
      for (int c = 0; c < colour_channels; ++c) binary = binary && (p[c] == 0 || p[c] == 255);
      if (!binary) {
        if (++bad <= 3) examples += (examples.empty() ? "" : ", ") + pixel_text(mat, x, y);
      }
      if (channels == 4 && p[3] != 255) ++translucent;
      std::uint8_t* out = mask.at(x, y);
      out[0] = channels >= 3 ? p[2] : p[0];
      out[1] = channels >= 3 ? p[1] : p[0];
      out[2] = p[0];
      out[3] = 255;
      const bool in_face = y >= kFaceTop && y < kFaceTop + kFaceSize && x >= kFaceLeft && x < kFaceLeft + kFaceSize;
      if (in_face && out[0] == 255) ++covered_in_face;
    }
  }
  if (bad > 0) {
    throw ImageError(file.string() + ": the face mask must be pure black (0) and white (255), but " +
                     std::to_string(bad) + " pixel" + (bad == 1 ? " is" : "s are") + " neither, e.g. " + examples +
                     (bad > 3 ? ", ..." : "") +
                     " (paint the movable parts of the face white and everything else black, with anti-aliasing "
                     "off, and save it as a PNG, not a JPEG)");
  }
  if (translucent > 0) {
    throw ImageError(file.string() + ": the face mask must be opaque, but " + std::to_string(translucent) +
                     " pixels are transparent (save it without an alpha channel)");
  }
  if (covered_in_face == 0) {
    throw ImageError(file.string() +
                     ": the face mask has no white pixel in the face area (x 192..319, y 80..207), "
                     "where the student's face is learnt; the face of the character must be there too");
  }
  return mask;
}

torch::Tensor face_mask_tensor(const Rgba8Image& mask) {
  torch::Tensor channel = torch::empty({kFaceSize, kFaceSize}, torch::kFloat32);
  auto out = channel.accessor<float, 2>();
  for (int y = 0; y < kFaceSize; ++y) {
    for (int x = 0; x < kFaceSize; ++x) out[y][x] = mask.at(kFaceLeft + x, kFaceTop + y)[0] == 255 ? 1.0f : 0.0f;
  }
  return channel.unsqueeze(0).repeat({4, 1, 1}).contiguous();
}
}  // namespace tha4::distill
