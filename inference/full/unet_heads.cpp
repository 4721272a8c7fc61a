#include "inference/full/unet_heads.h"

#include "inference/full/conv_blocks.h"
#include "inference/full/precision.h"

namespace tha4::full {

std::vector<torch::Tensor> unet_poser_outputs(const torch::Tensor& unet_output, const torch::Tensor& image) {
  const int64_t channels = image.size(1);
  const torch::Tensor direct = unet_output.slice(1, 0, channels);
  const torch::Tensor grid_change = unet_output.slice(1, channels, channels + 2);
  const torch::Tensor alpha = torch::sigmoid(unet_output.slice(1, channels + 2, channels + 3));
  const torch::Tensor warped = warp_image_float32(image, grid_change);
  const torch::Tensor merged = apply_color_change(alpha, direct, warped);
  return {merged, alpha, warped, grid_change, direct};
}

}  // namespace tha4::full
