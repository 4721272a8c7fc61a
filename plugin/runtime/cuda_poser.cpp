#include "plugin/runtime/cuda_poser.h"

#include "inference/cuda/cuda_student_poser.h"
#include "inference/cuda/device_frame_ring.h"
#include "inference/util/errors.h"

namespace tha4::avatar {
namespace {

class CudaPoser final : public AvatarPoser {
 public:
  CudaPoser(std::unique_ptr<gpu::CudaStudentPoser> poser, std::string description)
      : poser_(std::move(poser)),
        frames_(std::make_shared<gpu::DeviceFrameRing>(poser_->device(), poser_->cuda_engine().image_size(),
                                                       poser_->cuda_engine().image_size())),
        description_(std::move(description)) {}

  std::string description() const override { return description_; }

  // The frame goes to the device ring, from which the OBS side copies it straight into its texture; host
  // bytes only while that side cannot (no interop, or not tried yet), or while the worker cross-fades (then
  // host bytes alone, which the worker blends and OBS uploads).
  void render(const Pose& pose, AvatarFrame& frame) override {
    gpu::CudaStudentEngine& engine = poser_->cuda_engine();
    const unsigned char* rgba8 = engine.render_rgba8(pose);
    rendered_ = true;
    frame.width = engine.image_size();
    frame.height = engine.image_size();
    if (host_frames_) {
      engine.copy_rgba8_to_host(frame.pixels);
      frame.device_frames.reset();
      return;
    }
    frames_->publish(rgba8, ++published_);
    if (frames_->host_copies_wanted()) {
      engine.copy_rgba8_to_host(frame.pixels);
    } else {
      frame.pixels.clear();
    }
    frame.device_frames = frames_;
  }

  void set_host_frames(bool wanted) override { host_frames_ = wanted; }
  bool last_frame_to_host(AvatarFrame& frame) override {
    if (!rendered_) return false;
    gpu::CudaStudentEngine& engine = poser_->cuda_engine();
    engine.copy_rgba8_to_host(frame.pixels);
    frame.width = engine.image_size();
    frame.height = engine.image_size();
    frame.device_frames.reset();
    return true;
  }

 private:
  std::unique_ptr<gpu::CudaStudentPoser> poser_;
  std::shared_ptr<gpu::DeviceFrameRing> frames_;
  std::uint64_t published_ = 0;
  bool rendered_ = false;     // render() ran: the engine holds a last frame
  bool host_frames_ = false;  // a cross-fade is under way
  std::string description_;
};

}  // namespace

std::unique_ptr<AvatarPoser> wrap_cuda_poser(std::unique_ptr<StudentEngine> engine, std::string description) {
  auto* cuda = dynamic_cast<gpu::CudaStudentPoser*>(engine.get());
  if (cuda == nullptr) throw Error("internal: wrap_cuda_poser needs the fused CUDA engine");
  engine.release();
  return std::make_unique<CudaPoser>(std::unique_ptr<gpu::CudaStudentPoser>(cuda), std::move(description));
}

}  // namespace tha4::avatar
