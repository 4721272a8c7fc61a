// libFuzzer target: character pictures (PNG) through the project's decoder: the header limits, then
// OpenCV's libpng. Every failure must be an ImageError; a decoded picture has the size its header declared.

#include "inference/image/image_io.h"
#include "inference/util/errors.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const tha4::Rgba8Image image = tha4::decode_rgba8_png(data, size, "fuzz.png");
    if (image.width <= 0 || image.height <= 0 || image.width > 4096 || image.height > 4096 ||
        image.pixels.size() != static_cast<std::size_t>(image.width) * image.height * 4) {
      std::abort();
    }
  } catch (const tha4::ImageError&) {
  }
  return 0;
}
