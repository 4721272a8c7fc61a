#include "inference/image/image_io.h"

#include "inference/image/srgb.h"
#include "inference/util/errors.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <array>
#include <cstring>
#include <fstream>

namespace tha4 {
namespace {

constexpr int kCharacterSize = 512;

std::string describe_depth(int depth) {
  switch (depth) {
    case CV_8U: return "8-bit";
    case CV_16U: return "16-bit";
    case CV_32F: return "32-bit float";
    default: return "non-8-bit";
  }
}

// PNG: an 8-byte signature, then the IHDR chunk (length, "IHDR", width and height big-endian).
constexpr std::array<std::uint8_t, 8> kPngSignature = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
constexpr std::size_t kPngHeaderBytes = 8 + 8 + 8;
// Why limits before decoding: a picture is untrusted input, and OpenCV would allocate whatever size the
// header declares (up to 2^30 pixels). Every picture the project reads is 512 or 1024 pixels wide.
constexpr std::uint32_t kMaxPngSide = 4096;
constexpr std::uintmax_t kMaxPngFileBytes = std::uintmax_t{256} << 20;

std::uint32_t read_big_endian_u32(const std::uint8_t* bytes) {
  return (std::uint32_t{bytes[0]} << 24) | (std::uint32_t{bytes[1]} << 16) | (std::uint32_t{bytes[2]} << 8) |
         std::uint32_t{bytes[3]};
}

void check_png_header(const std::uint8_t* data, std::size_t size, const std::string& source) {
  if (size < kPngHeaderBytes || !std::equal(kPngSignature.begin(), kPngSignature.end(), data)) {
    throw ImageError(source + ": cannot decode the image: it is not a PNG file (save it as an RGBA PNG)");
  }
  if (std::memcmp(data + 12, "IHDR", 4) != 0) {
    throw ImageError(source + ": cannot decode the image: the PNG has no header chunk (the file is damaged)");
  }
  const std::uint32_t width = read_big_endian_u32(data + 16);
  const std::uint32_t height = read_big_endian_u32(data + 20);
  if (width == 0 || height == 0 || width > kMaxPngSide || height > kMaxPngSide) {
    throw ImageError(source + ": the PNG declares " + std::to_string(width) + "×" + std::to_string(height) +
                     " pixels; pictures must be between 1 and " + std::to_string(kMaxPngSide) +
                     " pixels on each side (a character picture is 512×512)");
  }
}

}  // namespace

Rgba8Image read_rgba8_image(const std::filesystem::path& file) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) {
    throw ImageError("image not found: " + file.string());
  }
  if (!std::filesystem::is_regular_file(file, ec)) {
    throw ImageError("not a regular file: " + file.string());
  }
  const std::uintmax_t size = std::filesystem::file_size(file, ec);
  if (ec) throw ImageError(file.string() + ": cannot determine the file size: " + ec.message());
  if (size > kMaxPngFileBytes) {
    throw ImageError(file.string() + ": the file is " + std::to_string(size >> 20) +
                     " MiB, far larger than any character picture; save it as a 512×512 RGBA PNG");
  }
  std::ifstream in(file, std::ios::binary);
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(size));
  in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!in || in.gcount() != static_cast<std::streamsize>(bytes.size())) {
    throw ImageError(file.string() + ": cannot read the file");
  }
  return decode_rgba8_png(bytes.data(), bytes.size(), file.string());
}

Rgba8Image decode_rgba8_png(const std::uint8_t* data, std::size_t size, const std::string& source) {
  check_png_header(data, size, source);
  // imdecode does not modify the buffer; the const_cast only satisfies cv::Mat's constructor.
  const cv::Mat encoded(1, static_cast<int>(size), CV_8UC1, const_cast<std::uint8_t*>(data));
  const cv::Mat mat = cv::imdecode(encoded, cv::IMREAD_UNCHANGED);
  if (mat.empty()) {
    throw ImageError(source + ": cannot decode the image (the PNG is damaged or truncated)");
  }
  if (mat.depth() != CV_8U) {
    throw ImageError(source + ": the image is " + describe_depth(mat.depth()) +
                     " per channel; save it as an 8-bit RGBA PNG");
  }
  if (mat.channels() == 1 || mat.channels() == 2) {
    throw ImageError(source +
                     ": the image is greyscale; save it as an RGBA PNG (colour with a "
                     "transparent background)");
  }
  if (mat.channels() == 3) {
    throw ImageError(source +
                     ": the image has no alpha channel (RGB); save it as an RGBA PNG "
                     "whose background is transparent");
  }
  cv::Mat rgba;
  cv::cvtColor(mat, rgba, cv::COLOR_BGRA2RGBA);  // OpenCV stores BGRA
  Rgba8Image image(rgba.cols, rgba.rows);
  for (int y = 0; y < rgba.rows; ++y) {
    std::copy_n(rgba.ptr<std::uint8_t>(y), static_cast<std::size_t>(rgba.cols) * 4, image.at(0, y));
  }
  return image;
}

void write_png(const Rgba8Image& image, const std::filesystem::path& file) {
  // cv::Mat over our pixels; OpenCV wants BGRA, so convert a copy.
  const cv::Mat rgba(image.height, image.width, CV_8UC4, const_cast<std::uint8_t*>(image.pixels.data()));
  cv::Mat bgra;
  cv::cvtColor(rgba, bgra, cv::COLOR_RGBA2BGRA);
  bool written = false;
  try {
    written = cv::imwrite(file.string(), bgra);
  } catch (const cv::Exception& e) {
    throw ImageError("cannot write " + file.string() + ": " + e.what());
  }
  if (!written) throw ImageError("cannot write " + file.string());
}

std::string encode_png(const Rgba8Image& image) {
  const cv::Mat rgba(image.height, image.width, CV_8UC4, const_cast<std::uint8_t*>(image.pixels.data()));
  cv::Mat bgra;
  cv::cvtColor(rgba, bgra, cv::COLOR_RGBA2BGRA);
  std::vector<std::uint8_t> bytes;
  if (!cv::imencode(".png", bgra, bytes)) throw ImageError("cannot encode a PNG");
  return std::string(bytes.begin(), bytes.end());
}

void validate_character_image(const Rgba8Image& image, const std::string& source) {
  if (image.width != kCharacterSize || image.height != kCharacterSize) {
    throw ImageError(source + ": the character image is " + std::to_string(image.width) + "x" +
                     std::to_string(image.height) +
                     "; it must be exactly 512x512 (crop or pad it to a "
                     "square and resize it to 512x512, with the head in the upper middle)");
  }
  bool has_transparency = false;
  for (std::size_t i = 3; i < image.pixels.size(); i += 4) {
    if (image.pixels[i] < 255) {
      has_transparency = true;
      break;
    }
  }
  if (!has_transparency) {
    throw ImageError(source +
                     ": the character image is fully opaque; THA4 needs a transparent "
                     "background (remove the background so that alpha is 0 outside the character)");
  }
}

torch::Tensor rgba8_to_tensor(const Rgba8Image& image) {
  const int h = image.height;
  const int w = image.width;
  torch::Tensor tensor = torch::empty({4, h, w}, torch::kFloat32);
  float* out = tensor.data_ptr<float>();
  const std::size_t plane = static_cast<std::size_t>(h) * w;
  for (std::size_t i = 0; i < plane; ++i) {
    const std::uint8_t* px = &image.pixels[i * 4];
    // Every step rounds to float32 like the reference's NumPy float32 arithmetic (spec §1.1).
    const float alpha = static_cast<float>(px[3]) / 255.0f;
    for (int c = 0; c < 3; ++c) {
      const float premultiplied = srgb8_to_linear(px[c]) * alpha;
      out[c * plane + i] = premultiplied * 2.0f - 1.0f;
    }
    out[3 * plane + i] = alpha * 2.0f - 1.0f;
  }
  return tensor;
}

}  // namespace tha4
