#pragma once
// The fused CUDA engine behind a source, in THA4_CUDA builds: the pose is rendered and converted to texture
// bytes on the GPU and published to a device frame ring (AvatarFrame::device_frames), from which the OBS side
// copies it into its texture with CUDA–OpenGL interop; host bytes only as a fallback.

#include "plugin/runtime/avatar_poser.h"

#include <memory>
#include <string>

namespace tha4 {
class StudentEngine;
}

namespace tha4::avatar {

// `engine` must be the fused CUDA engine (engine::make_poser with Kind::kCuda in a THA4_CUDA build).
std::unique_ptr<AvatarPoser> wrap_cuda_poser(std::unique_ptr<StudentEngine> engine, std::string description);

}  // namespace tha4::avatar
