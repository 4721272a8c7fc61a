#pragma once
// Reading and writing 8-bit RGBA images, and the reference's PNG -> tensor conversion (spec §1.1).

#include <torch/torch.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace tha4 {

// An 8-bit image with straight (not premultiplied) alpha, rows top to bottom, channels R, G, B, A.
struct Rgba8Image {
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> pixels;  // width * height * 4

  Rgba8Image() = default;
  Rgba8Image(int w, int h) : width(w), height(h), pixels(static_cast<std::size_t>(w) * h * 4, 0) {}
  bool empty() const { return pixels.empty(); }
  std::uint8_t* at(int x, int y) { return &pixels[(static_cast<std::size_t>(y) * width + x) * 4]; }
  const std::uint8_t* at(int x, int y) const { return &pixels[(static_cast<std::size_t>(y) * width + x) * 4]; }
};

// Reads an image file that must be an 8-bit RGBA PNG. Throws ImageError saying exactly what is wrong
// (missing, unreadable, not a PNG, too large, 16-bit, grey, RGB without alpha) and how to fix it.
Rgba8Image read_rgba8_image(const std::filesystem::path& file);

// The same from the bytes of a PNG file; `source` names it in messages. Refuses a header that declares
// more than 4096 pixels on a side before anything is decoded.
Rgba8Image decode_rgba8_png(const std::uint8_t* data, std::size_t size, const std::string& source);

// Writes an RGBA PNG. Throws ImageError when the file cannot be written.
void write_png(const Rgba8Image& image, const std::filesystem::path& file);

// The bytes of an RGBA PNG of `image` (for writes that must be atomic, util/atomic_file.h).
std::string encode_png(const Rgba8Image& image);

// The character image rules of the student and full systems (spec §1.1, §8.18): 512×512, and an alpha
// channel that is not opaque everywhere (the reference would silently load it as 3 channels).
void validate_character_image(const Rgba8Image& image, const std::string& source);

// The reference loader: sRGB -> linear on RGB (exact table), premultiply by alpha, map every channel
// to [-1, 1]. Returns a contiguous float32 (4, H, W) CPU tensor, bit-identical to the reference.
torch::Tensor rgba8_to_tensor(const Rgba8Image& image);

}  // namespace tha4
