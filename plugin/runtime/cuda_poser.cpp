#include "plugin/runtime/cuda_poser.h"

#include "inference/cuda/cuda_student_engine.h"
#include "inference/cuda/device_frame_ring.h"
#include "inference/fast/packed_student.h"
#include "inference/student/character_model.h"

#include <torch/torch.h>

namespace tha4::avatar {
namespace {

std::string folder_name(const std::filesystem::path& yaml) { return yaml.parent_path().filename().string(); }

class CudaPoser final : public AvatarPoser {
 public:
  CudaPoser(std::unique_ptr<gpu::CudaStudentEngine> engine, int device, std::string description)
      : engine_(std::move(engine)),
        frames_(std::make_shared<gpu::DeviceFrameRing>(device, engine_->image_size(), engine_->image_size())),
        description_(std::move(description)) {}

  std::string description() const override { return description_; }

  // The frame goes to the device ring, from which the OBS side copies it straight into its texture; host
  // bytes only while that side cannot (no interop, or not tried yet).
  void render(const Pose& pose, AvatarFrame& frame) override {
    const unsigned char* rgba8 = engine_->render_rgba8(pose);
    frames_->publish(rgba8, ++published_);
    if (frames_->host_copies_wanted()) {
      engine_->copy_rgba8_to_host(frame.pixels);
    } else {
      frame.pixels.clear();
    }
    frame.device_frames = frames_;
    frame.width = engine_->image_size();
    frame.height = engine_->image_size();
  }

 private:
  std::unique_ptr<gpu::CudaStudentEngine> engine_;
  std::shared_ptr<gpu::DeviceFrameRing> frames_;
  std::uint64_t published_ = 0;
  std::string description_;
};

}  // namespace

std::unique_ptr<AvatarPoser> load_cuda_poser(const std::shared_ptr<CharacterModel>& model,
                                             const AvatarSettings& settings, int device) {
  const torch::Tensor image = model->image.to(torch::kCPU).contiguous();
  const gpu::Precision precision =
      settings.gpu_precision == GpuPrecision::kQuality ? gpu::Precision::kQuality : gpu::Precision::kBalanced;
  auto engine = std::make_unique<gpu::CudaStudentEngine>(fast::pack_face_morpher(*model->face_morpher),
                                                         fast::pack_body_morpher(*model->body_morpher),
                                                         image.data_ptr<float>(), precision, device);
  const std::string description = folder_name(model->files.yaml) + " · student · fused CUDA engine (" +
                                  (precision == gpu::Precision::kQuality ? "quality, fp32" : "balanced, fp16") +
                                  ") on GPU " + std::to_string(device);
  return std::make_unique<CudaPoser>(std::move(engine), device, description);
}

}  // namespace tha4::avatar
