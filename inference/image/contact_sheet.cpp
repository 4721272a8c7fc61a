#include "inference/image/contact_sheet.h"

#include "inference/image/display.h"
#include "inference/util/errors.h"

#include <algorithm>

namespace tha4 {

void paste_cell(Rgba8Image& canvas, const Rgba8Image& cell, int left, int top) {
  if (left < 0 || top < 0 || left + cell.width > canvas.width || top + cell.height > canvas.height) {
    throw Error("sample sheet: a " + std::to_string(cell.width) + "x" + std::to_string(cell.height) +
                " cell does not fit at (" + std::to_string(left) + ", " + std::to_string(top) + ")");
  }
  for (int y = 0; y < cell.height; ++y) {
    std::copy_n(cell.at(0, y), static_cast<std::size_t>(cell.width) * 4, canvas.at(left, top + y));
  }
}

Rgba8Image over_green_screen(const torch::Tensor& image) {
  Rgba8Image cell = image_tensor_to_rgba8(image, DisplayPath::kStraightAlpha);
  static constexpr int kGreen[3] = {0, 255, 0};
  for (std::size_t i = 0; i < cell.pixels.size(); i += 4) {
    const int alpha = cell.pixels[i + 3];
    for (int c = 0; c < 3; ++c) {
      const std::size_t at = i + static_cast<std::size_t>(c);
      cell.pixels[at] = static_cast<std::uint8_t>((cell.pixels[at] * alpha + kGreen[c] * (255 - alpha) + 127) / 255);
    }
    cell.pixels[i + 3] = 255;
  }
  return cell;
}

}  // namespace tha4
