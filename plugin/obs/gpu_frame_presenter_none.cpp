// The presenter of builds without CUDA: no engine publishes device frames there, so it never has any.
#include "plugin/obs/gpu_frame_presenter.h"

namespace tha4::obs_plugin {

struct GpuFramePresenter::Interop {};

GpuFramePresenter::GpuFramePresenter() = default;
GpuFramePresenter::~GpuFramePresenter() = default;

bool GpuFramePresenter::present(gpu::DeviceFrameRing&, AvatarTexture&) { return false; }

void GpuFramePresenter::release() {}

}  // namespace tha4::obs_plugin
