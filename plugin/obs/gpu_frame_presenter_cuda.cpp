#include "plugin/obs/gpu_frame_presenter.h"

#include "plugin/obs/plugin_log.h"

#include "inference/cuda/device_frame_ring.h"

#include <cuda_gl_interop.h>  // GL/gl.h: GLuint, GL_TEXTURE_2D
#include <cuda_runtime.h>
#include <obs.h>

#include <algorithm>
#include <stdexcept>
#include <string>

namespace tha4::obs_plugin {
namespace {

constexpr const char* kZeroCopyPath = "zero-copy (CUDA–OpenGL interop)";

class InteropError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

void check(cudaError_t status, const char* what) {
  if (status != cudaSuccess) throw InteropError(std::string(what) + ": " + cudaGetErrorString(status));
}

// The CUDA runtime's current device is per thread, and OBS's graphics thread is shared with every other
// plugin: leave it as we found it.
class ScopedCudaDevice {
 public:
  explicit ScopedCudaDevice(int device) {
    if (cudaGetDevice(&previous_) != cudaSuccess) previous_ = -1;
    status_ = cudaSetDevice(device);
  }
  ~ScopedCudaDevice() {
    if (previous_ >= 0) cudaSetDevice(previous_);
  }
  ScopedCudaDevice(const ScopedCudaDevice&) = delete;
  ScopedCudaDevice& operator=(const ScopedCudaDevice&) = delete;
  cudaError_t status() const { return status_; }

 private:
  int previous_ = -1;
  cudaError_t status_ = cudaSuccess;
};

// Whether OBS's OpenGL context (current on this thread) runs on CUDA device `device`. Interop with a
// context on another GPU fails, or worse, silently goes through the host.
bool gl_context_runs_on(int device) {
  unsigned int count = 0;
  int devices[16] = {};
  if (cudaGLGetDevices(&count, devices, 16, cudaGLDeviceListAll) != cudaSuccess) return false;
  return std::find(devices, devices + std::min(count, 16U), device) != devices + std::min(count, 16U);
}

}  // namespace

// The CUDA side of the staging texture: its registration and the stream that copies into it.
struct GpuFramePresenter::Interop {
  int device = -1;
  cudaStream_t stream = nullptr;
  cudaGraphicsResource_t resource = nullptr;
  std::uint64_t registered_generation = 0;
  std::string unavailable;  // why interop cannot work here; empty while it can (or was not tried)

  ~Interop() { reset(); }

  void reset() {
    if (device < 0) return;
    ScopedCudaDevice scoped(device);
    if (resource) cudaGraphicsUnregisterResource(resource);
    if (stream) {
      cudaStreamSynchronize(stream);
      cudaStreamDestroy(stream);
    }
    resource = nullptr;
    stream = nullptr;
    device = -1;
    registered_generation = 0;
  }

  // Ready to copy frames of `frames` into the texture's staging half: the stream on the ring's device and
  // the staging texture registered with CUDA (again whenever the texture was remade).
  void prepare(const gpu::DeviceFrameRing& frames, AvatarTexture& texture) {
    if (device != frames.device()) {
      reset();
      if (gs_get_device_type() != GS_DEVICE_OPENGL) {
        throw InteropError("OBS does not render with OpenGL here (the Direct3D 11 path is described in docs/gpu.md)");
      }
      if (!gl_context_runs_on(frames.device())) {
        throw InteropError("OBS's OpenGL context is not on CUDA device " + std::to_string(frames.device()));
      }
      device = frames.device();
      check(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking), "cudaStreamCreate");
    }
    gs_texture_t* staging =
        texture.staging(static_cast<std::uint32_t>(frames.width()), static_cast<std::uint32_t>(frames.height()));
    if (!staging) throw InteropError("cannot create the staging texture");
    if (resource && registered_generation == texture.staging_generation()) return;
    if (resource) cudaGraphicsUnregisterResource(resource);
    resource = nullptr;
    const auto* name = static_cast<const GLuint*>(gs_texture_get_obj(staging));
    if (!name) throw InteropError("the staging texture has no OpenGL name");
    // WriteDiscard: CUDA only ever overwrites the whole texture, so the driver need not preserve it.
    check(cudaGraphicsGLRegisterImage(&resource, *name, GL_TEXTURE_2D, cudaGraphicsRegisterFlagsWriteDiscard),
          "cudaGraphicsGLRegisterImage");
    registered_generation = texture.staging_generation();
  }

  // Copies the ring's newest frame into the staging texture, GPU to GPU. Unmapping orders the copy before
  // OpenGL's next use of the texture, without the CPU waiting for either.
  bool copy_newest(gpu::DeviceFrameRing& frames) {
    check(cudaGraphicsMapResources(1, &resource, stream), "cudaGraphicsMapResources");
    bool copied = false;
    try {
      cudaArray_t array = nullptr;
      check(cudaGraphicsSubResourceGetMappedArray(&array, resource, 0, 0), "cudaGraphicsSubResourceGetMappedArray");
      copied = frames.read_newest(stream,
                                  [&](const gpu::DeviceFrameView& view) { gpu::copy_to_array(view, array, stream); });
    } catch (...) {
      cudaGraphicsUnmapResources(1, &resource, stream);
      throw;
    }
    check(cudaGraphicsUnmapResources(1, &resource, stream), "cudaGraphicsUnmapResources");
    return copied;
  }
};

GpuFramePresenter::GpuFramePresenter() : interop_(std::make_unique<Interop>()) {}
GpuFramePresenter::~GpuFramePresenter() = default;

bool GpuFramePresenter::present(gpu::DeviceFrameRing& frames, AvatarTexture& texture) {
  if (!interop_->unavailable.empty()) {
    frames.set_host_copies_wanted(true);
    return false;
  }
  try {
    ScopedCudaDevice scoped(frames.device());
    check(scoped.status(), "cudaSetDevice");
    interop_->prepare(frames, texture);
    frames.set_host_copies_wanted(false);
    if (path_ != kZeroCopyPath) path_ = kZeroCopyPath;  // per frame: no new string once set
    if (frames.has_new_frame() && interop_->copy_newest(frames) && !texture.finish_staging()) {
      throw InteropError("cannot convert the staging texture");
    }
    return true;
  } catch (const std::exception& e) {
    // Once is enough: the reasons above do not go away while OBS runs.
    interop_->unavailable = e.what();
    interop_->reset();
    frames.set_host_copies_wanted(true);
    path_ = std::string("host copy (CUDA–OpenGL interop unavailable: ") + e.what() + ")";
    THA4_LOG(LOG_WARNING, "GPU frames reach the texture through host memory: %s", e.what());
    return false;
  }
}

void GpuFramePresenter::release() { interop_->reset(); }

}  // namespace tha4::obs_plugin
