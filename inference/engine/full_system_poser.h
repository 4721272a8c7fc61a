#pragma once
// The full THA4 system (the teacher, spec §4) as a Poser: a folder of the five official weight files plus a
// character picture. LibTorch on the CPU or a GPU; seconds per frame on a CPU, the best quality anywhere.

#include "inference/engine/poser.h"
#include "inference/full/full_poser.h"

#include <torch/torch.h>

#include <filesystem>
#include <memory>
#include <string>

namespace tha4::engine {

class FullSystemPoser final : public Poser {
 public:
  // `image`: the character, (1, 4, 512, 512) on the networks' device; `label` names it in the description.
  FullSystemPoser(full::FullPoser poser, torch::Tensor image, std::string label);

  std::string_view name() const override { return "full-system"; }
  // "my_character · full system · CPU"
  std::string description() const override;
  torch::Tensor render(const Pose& pose) override;

 private:
  full::FullPoser poser_;
  torch::Tensor image_;
  std::string label_;
};

// True when `folder` holds the full system's weight files rather than a student character model.
bool is_full_system_folder(const std::filesystem::path& folder);

// Loads the five weight files of `weights_folder` (of `config`'s sizes: the official ones unless a reduced
// teacher is meant) and the 512×512 RGBA `picture` on `device`. Throws tha4::Error subclasses with a message
// for the user (an empty picture path included).
std::unique_ptr<FullSystemPoser> load_full_system_poser(
    const std::filesystem::path& weights_folder, const std::filesystem::path& picture, const torch::Device& device,
    const full::FullSystemConfig& config = full::FullSystemConfig::official());

}  // namespace tha4::engine
