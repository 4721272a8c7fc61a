#include "inference/engine/poser.h"

#include "inference/image/display.h"

namespace tha4::engine {

void Poser::render_rgba8(const Pose& pose, Rgba8Image& out) {
  torch::NoGradGuard no_grad;
  out = image_tensor_to_rgba8(render(pose), DisplayPath::kPremultiplied);
}

}  // namespace tha4::engine
