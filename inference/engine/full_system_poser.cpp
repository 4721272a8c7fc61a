#include "inference/engine/full_system_poser.h"

#include "inference/full/teacher_networks.h"
#include "inference/image/image_io.h"
#include "inference/pose/pose_tensor.h"
#include "inference/util/errors.h"

namespace tha4::engine {

FullSystemPoser::FullSystemPoser(full::FullPoser poser, torch::Tensor image, std::string label)
    : poser_(std::move(poser)), image_(std::move(image)), label_(std::move(label)) {}

std::string FullSystemPoser::description() const {
  const torch::Device device = image_.device();
  return label_ + " · full system · " +
         (device.is_cuda() ? "CUDA device " + std::to_string(device.index()) : std::string("CPU"));
}

torch::Tensor FullSystemPoser::render(const Pose& pose) {
  check_pose_finite(pose);
  torch::NoGradGuard no_grad;
  return poser_.pose(image_, pose_to_tensor(pose, image_.device()))[full::output::kFinalImage];
}

bool is_full_system_folder(const std::filesystem::path& folder) {
  std::error_code error;
  if (std::filesystem::exists(folder / "character_model.yaml", error)) return false;
  for (const full::TeacherNetworkNames& names : full::kTeacherNetworks) {
    if (std::filesystem::exists(folder / names.weight_file, error)) return true;
  }
  return false;
}

std::unique_ptr<FullSystemPoser> load_full_system_poser(const std::filesystem::path& weights_folder,
                                                        const std::filesystem::path& picture,
                                                        const torch::Device& device,
                                                        const full::FullSystemConfig& config) {
  if (picture.empty()) {
    throw ImageError(
        "the full THA4 system needs a character picture: choose \"Character image\" (a 512x512 PNG "
        "with a transparent background)");
  }
  const Rgba8Image rgba = read_rgba8_image(picture);
  validate_character_image(rgba, picture.string());
  full::FullPoser poser(full::load_full_system(weights_folder, config, device));
  torch::Tensor image = rgba8_to_tensor(rgba).unsqueeze(0).to(device);
  return std::make_unique<FullSystemPoser>(std::move(poser), std::move(image), picture.stem().string());
}

}  // namespace tha4::engine
