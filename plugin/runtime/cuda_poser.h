#pragma once
// The fused CUDA student engine (inference/cuda/) behind a source, in THA4_CUDA builds: the pose is rendered
// and converted to texture bytes on the GPU and published to a device frame ring (AvatarFrame::device_frames),
// from which the OBS side copies it into its texture with CUDA–OpenGL interop; host bytes only as fallback.

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
