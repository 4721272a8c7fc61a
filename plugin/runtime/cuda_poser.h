#pragma once
// The fused CUDA student engine (inference/cuda/) behind a source, in THA4_CUDA builds: the pose is rendered
// and converted to texture bytes on the GPU; the frame then reaches OBS through host memory. (The zero-copy
// CUDA–GL path of docs/gpu.md is not wired into the plugin yet.)

#include "plugin/runtime/avatar_poser.h"

#include <memory>

namespace tha4 {
struct CharacterModel;
}

namespace tha4::avatar {

// Uploads the model's networks to GPU `device` in the chosen precision. Throws tha4::Error on CUDA errors.
std::unique_ptr<AvatarPoser> load_cuda_poser(const std::shared_ptr<CharacterModel>& model,
                                             const AvatarSettings& settings, int device);

}  // namespace tha4::avatar
