#pragma once
// Zero-copy from the CUDA engine into the source's texture: the newest frame of the engine's device frame
// ring is copied GPU-to-GPU into the texture's staging half with CUDA–OpenGL interop
// (cudaGraphicsGLRegisterImage, map, cudaMemcpy2DToArrayAsync, unmap), never through host memory. When
// interop cannot work here (OBS draws with another GPU or renderer, the driver refuses the texture) it says
// why once and asks the engine for host copies instead. Builds without CUDA get a presenter that always
// declines (gpu_frame_presenter_none.cpp). Graphics thread only, graphics entered.

#include "plugin/obs/avatar_texture.h"

#include <memory>
#include <string>

namespace tha4::gpu {
class DeviceFrameRing;
}

namespace tha4::obs_plugin {

class GpuFramePresenter {
 public:
  GpuFramePresenter();
  ~GpuFramePresenter();
  GpuFramePresenter(const GpuFramePresenter&) = delete;
  GpuFramePresenter& operator=(const GpuFramePresenter&) = delete;

  // True when `texture` now shows the newest frame of `frames` (copied now, or already shown). False when
  // it cannot take frames from device memory; then `frames` has been asked for host copies, and the caller
  // uploads the frame's host bytes.
  bool present(gpu::DeviceFrameRing& frames, AvatarTexture& texture);

  // What reaches the texture, for the status line: empty until a GPU frame arrived, then e.g.
  // "zero-copy (CUDA–OpenGL interop)" or "host copy (<why interop is unavailable>)".
  const std::string& path() const { return path_; }

  // Unregisters from CUDA (graphics entered, before the texture is released).
  void release();

 private:
  struct Interop;
  std::unique_ptr<Interop> interop_;
  std::string path_;
};

}  // namespace tha4::obs_plugin
