#include "inference/image/display.h"

#include "inference/image/srgb.h"
#include "inference/util/errors.h"

#include <algorithm>
#include <cmath>

namespace tha4 {
namespace {

constexpr float kPi = 3.14159265358979323846f;

std::uint8_t to_byte(float value, DisplayPath path) {
  const float scaled = 255.0f * std::clamp(value, 0.0f, 1.0f);
  // std::nearbyint rounds half to even in the default rounding mode, like NumPy's rint.
  return static_cast<std::uint8_t>(path == DisplayPath::kReferenceTruncate ? scaled : std::nearbyint(scaled));
}

// A (C, H, W) output as contiguous float32 planes on the CPU (a leading batch of 1 is dropped).
struct Planes {
  torch::Tensor tensor;  // keeps `data` alive
  const float* data;
  int width;
  int height;
  std::size_t plane;  // floats per channel
};

Planes cpu_planes(const torch::Tensor& tensor, int64_t channels) {
  torch::Tensor t = tensor.detach();
  if (t.dim() == 4 && t.size(0) == 1) t = t.squeeze(0);
  if (t.dim() != 3 || t.size(0) != channels) {
    throw Error("expected a (" + std::to_string(channels) + ", H, W) tensor, got " + std::to_string(t.dim()) +
                "-d tensor with sizes " + c10::str(t.sizes()));
  }
  t = t.to(torch::kCPU, torch::kFloat32).contiguous();
  const int h = static_cast<int>(t.size(1));
  const int w = static_cast<int>(t.size(2));
  return {t, t.data_ptr<float>(), w, h, static_cast<std::size_t>(h) * w};
}

// Hue in [0, 1) -> fully saturated RGB; the same wheel as matplotlib's 'hsv' colormap.
void hue_to_rgb(float hue, float rgb[3]) {
  const float h6 = (hue - std::floor(hue)) * 6.0f;
  const int sector = static_cast<int>(h6) % 6;
  const float f = h6 - std::floor(h6);
  const float values[6][3] = {{1, f, 0}, {1 - f, 1, 0}, {0, 1, f}, {0, 1 - f, 1}, {f, 0, 1}, {1, 0, 1 - f}};
  std::copy_n(values[sector], 3, rgb);
}

}  // namespace

Rgba8Image image_tensor_to_rgba8(const torch::Tensor& image, DisplayPath path) {
  const Planes planes = cpu_planes(image, 4);
  const float* data = planes.data;
  const std::size_t plane = planes.plane;
  Rgba8Image out(planes.width, planes.height);
  for (std::size_t i = 0; i < plane; ++i) {
    const float alpha = std::clamp((data[3 * plane + i] + 1.0f) * 0.5f, 0.0f, 1.0f);
    std::uint8_t* px = &out.pixels[i * 4];
    for (int c = 0; c < 3; ++c) {
      float linear = (data[c * plane + i] + 1.0f) * 0.5f;
      if (path == DisplayPath::kStraightAlpha) linear = alpha > 1e-5f ? linear / alpha : 0.0f;
      // Clamped to the alpha the byte will hold: a pixel whose alpha rounds to 0 must carry no colour
      // (sRGB encoding would turn a linear 0.001 into 3/255 of light added to the background).
      if (path == DisplayPath::kPremultiplied) linear = std::min(linear, std::nearbyint(255.0f * alpha) / 255.0f);
      px[c] = to_byte(linear_to_srgb(linear), path);
    }
    px[3] = to_byte(alpha, path);
  }
  return out;
}

Rgba8Image output_tensor_to_rgba8(const torch::Tensor& output, DisplayPath path) {
  const int64_t channels = output.dim() >= 3 ? output.size(output.dim() - 3) : 0;
  if (channels == 4) return image_tensor_to_rgba8(output, path);
  const Planes planes = cpu_planes(output, channels == 1 || channels == 2 ? channels : 1);
  const float* data = planes.data;
  const std::size_t plane = planes.plane;
  Rgba8Image out(planes.width, planes.height);
  for (std::size_t i = 0; i < plane; ++i) {
    std::uint8_t* px = &out.pixels[i * 4];
    float rgb[3];
    if (channels == 1) {
      std::fill_n(rgb, 3, data[i]);
    } else {
      const float dx = data[i];
      const float dy = data[plane + i];
      hue_to_rgb((std::atan2(dx, dy) + kPi) / (2.0f * kPi), rgb);
      const float magnitude = std::sqrt(dx * dx + dy * dy) * 3.0f;
      for (float& v : rgb) v *= magnitude;
    }
    for (int c = 0; c < 3; ++c) px[c] = to_byte(linear_to_srgb(rgb[c]), path);
    px[3] = 255;
  }
  return out;
}

}  // namespace tha4
