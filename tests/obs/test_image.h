#pragma once
// An 8-bit RGBA image and the comparisons the OBS tests make. Free of OBS, LibTorch and OpenCV headers.

#include <cstdint>
#include <string>
#include <vector>

namespace tha4::obs_test {

inline constexpr std::uint32_t kCanvas = 512;

struct Image {
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> rgba;  // RGBA rows top to bottom
  const std::uint8_t* at(int x, int y) const { return &rgba[(static_cast<std::size_t>(y) * width + x) * 4]; }
  bool empty() const { return rgba.empty(); }
};

// Largest per-channel difference (255 when the sizes differ).
int max_difference(const Image& a, const Image& b);
// Pixels with any alpha.
std::size_t opaque_pixels(const Image& image);

// `tha4 render --display premultiplied` of the same pose with the same model: the texture the source
// uploads. Throws when the CLI fails.
Image render_with_cli(const std::string& model_folder, const std::string& pose, const std::string& engine);
// Reads an RGBA PNG (straight alpha as stored).
Image read_png(const std::string& file);
void write_png(const Image& image, const std::string& file);

// THA4_MODELS, else ../shared/models beside the source tree.
std::string models_dir();
std::string model_folder(const std::string& character);

// sRGB <-> linear for expected composites.
double srgb_to_linear(double value);
double linear_to_srgb(double value);

}  // namespace tha4::obs_test
