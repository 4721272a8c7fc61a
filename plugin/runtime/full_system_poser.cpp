#include "plugin/runtime/full_system_poser.h"

#include "inference/full/full_poser.h"
#include "inference/image/display.h"
#include "inference/image/image_io.h"
#include "inference/pose/pose_tensor.h"
#include "inference/util/errors.h"

#include <torch/torch.h>

namespace tha4::avatar {
namespace {

class FullSystemPoser final : public AvatarPoser {
 public:
  FullSystemPoser(full::FullPoser poser, torch::Tensor image, std::string description)
      : poser_(std::move(poser)), image_(std::move(image)), description_(std::move(description)) {}

  std::string description() const override { return description_; }

  void render(const Pose& pose, AvatarFrame& frame) override {
    torch::NoGradGuard no_grad;
    const std::vector<torch::Tensor> outputs = poser_.pose(image_, pose_to_tensor(pose, image_.device()));
    Rgba8Image rgba = image_tensor_to_rgba8(outputs[full::output::kFinalImage], DisplayPath::kPremultiplied);
    frame.width = rgba.width;
    frame.height = rgba.height;
    frame.pixels.swap(rgba.pixels);
  }

 private:
  full::FullPoser poser_;
  torch::Tensor image_;
  std::string description_;
};

}  // namespace

bool is_full_system_folder(const std::filesystem::path& folder) {
  std::error_code error;
  if (std::filesystem::exists(folder / "character_model.yaml", error)) return false;
  for (const full::TeacherNetworkNames& names : full::kTeacherNetworks) {
    if (std::filesystem::exists(folder / names.weight_file, error)) return true;
  }
  return false;
}

std::unique_ptr<AvatarPoser> load_full_system_poser(const AvatarSettings& settings, const std::string& device) {
  if (settings.character_image.empty()) {
    throw ImageError("the full THA4 system needs a character picture: choose \"Character image\" (a 512x512 PNG "
                     "with a transparent background)");
  }
  const Rgba8Image picture = read_rgba8_image(settings.character_image);
  validate_character_image(picture, settings.character_image);
  const torch::Device torch_device(device);
  full::FullPoser poser(
      full::load_full_system(settings.model_folder, full::FullSystemConfig::official(), torch_device));
  torch::Tensor image = rgba8_to_tensor(picture).unsqueeze(0).to(torch_device);
  std::string description = std::filesystem::path(settings.character_image).stem().string() + " · full system · " +
                (torch_device.is_cuda() ? "CUDA device " + std::to_string(torch_device.index()) : std::string("CPU"));
  return std::make_unique<FullSystemPoser>(std::move(poser), std::move(image), std::move(description));
}

}  // namespace tha4::avatar
