#pragma once
// The full THA4 system, poser mode_07 (spec §4.5): eyebrow decomposer → eyebrow morphing combiner → face
// morpher → half-resolution rotator → editor, with mode_07's crops, pastes and interpolations, returning its
// 33 outputs. The decomposer depends on the image only, so its outputs are cached per character image.

#include "inference/full/editor.h"
#include "inference/full/eyebrow_decomposer.h"
#include "inference/full/eyebrow_morphing_combiner.h"
#include "inference/full/face_morpher.h"
#include "inference/full/full_system_config.h"
#include "inference/full/half_res_rotator.h"
#include "inference/full/precision.h"
#include "inference/full/teacher_networks.h"

#include <torch/torch.h>

#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace tha4::full {

// Where each network's outputs start in mode_07's list (33 = 5 + 1 + 5 + 8 + 8 + 6).
namespace output {
constexpr int kEditor = 0;           // upscaler [merged (the final image), alpha, warped, grid_change, direct]
constexpr int kFaceMorphedFull = 5;  // the character with the morphed face pasted in
constexpr int kRotator = 6;          // body_morpher [merged, alpha, warped, grid_change, direct] at half size
constexpr int kFaceMorpher = 11;     // face_morpher outputs 0-7
constexpr int kCombiner = 19;        // eyebrow_morphing_combiner outputs 0-7
constexpr int kDecomposer = 27;      // eyebrow_decomposer outputs 0-5
constexpr int kCount = 33;
constexpr int kFinalImage = kEditor;
}  // namespace output

// "upscaler.merged", "face_morphed_full", "face_morpher.output_image", ... (the golden JSON's names).
std::string output_name(int index);

// The five networks, named by their mode_07 keys (teacher_networks.h).
struct FullSystemNetworks {
  EyebrowDecomposer eyebrow_decomposer{nullptr};
  EyebrowMorphingCombiner eyebrow_morphing_combiner{nullptr};
  FaceMorpher face_morpher{nullptr};
  HalfResRotator body_morpher{nullptr};
  Editor upscaler{nullptr};

  // Builds the networks of `config` with LibTorch's default initialisation (for benchmarks and tests).
  static FullSystemNetworks create(const FullSystemConfig& config);
  std::shared_ptr<torch::nn::Module> module_of(TeacherNetwork network) const;
  // Every network as (mode_07 key, module), in mode_07's order.
  std::vector<std::pair<std::string, std::shared_ptr<torch::nn::Module>>> named_modules() const;
  void to(const torch::Device& device);
};

// mode_07's resampling of images and grid changes (spec §4.5 steps 5 and 7): bilinear, align_corners false,
// no antialias, to size × size.
torch::Tensor resize_bilinear(const torch::Tensor& x, int64_t size);

// How users get the official teacher weights (shown in errors).
std::string full_system_download_help();

// Throws FullSystemError, naming every missing file and how to download them, unless `folder` holds the
// five weight files (kTeacherNetworks' weight_file; it does not read them).
void check_full_system_folder(const std::filesystem::path& folder);

// Builds the networks of `config` and loads each one's weight file from `folder` (strict keys, shapes, dtypes).
// Throws FullSystemError naming every missing file and how to download them, WeightFileError for a file
// that does not match (naming the file and the key).
FullSystemNetworks load_full_system(const std::filesystem::path& folder,
                                    const FullSystemConfig& config = FullSystemConfig::official(),
                                    const torch::Device& device = torch::kCPU);

// Wall time of each step of one call, in milliseconds (the decomposer's is 0 when its cache answered).
struct FullPoserTimings {
  double eyebrow_decomposer = 0, eyebrow_morphing_combiner = 0, face_morpher = 0, body_morpher = 0, upscaler = 0;
  double other = 0;  // crops, pastes, interpolations, the cache check
  double total() const {
    return eyebrow_decomposer + eyebrow_morphing_combiner + face_morpher + body_morpher + upscaler + other;
  }
  double of(TeacherNetwork network) const;
};

class FullPoser {
 public:
  // Puts the networks in eval mode and casts them to `precision` (full/precision.h). Throws Error when their
  // sizes do not fit mode_07's fixed geometry (128 eyebrow crop, 192 face crop, 256 half size, 512 image,
  // pose split 12 + 27 + 6), or when their device cannot run `precision` (fp16 on the CPU).
  explicit FullPoser(FullSystemNetworks networks, FullPrecision precision = FullPrecision::kFloat32);

  // image (N, 4, 512, 512), pose (N, 45), float32 on the networks' device -> mode_07's 33 outputs
  // (output::*), float32 in every precision. Neither input is modified. `timings`, when given,
  // receives the time of each step.
  std::vector<torch::Tensor> pose(const torch::Tensor& image, const torch::Tensor& pose,
                                  FullPoserTimings* timings = nullptr);

  // Poser mode_12, the face distillation teacher (spec §4.5): steps 1–3 alone. Returns the face morpher's 8
  // outputs, then the combiner's 8, then the decomposer's 6 (kFaceOutputCount tensors, float32); index 0 is
  // the 192×192 morphed face. The same checks and decomposer cache as pose().
  static constexpr int kFaceOutputCount = 22;
  std::vector<torch::Tensor> pose_face(const torch::Tensor& image, const torch::Tensor& pose);

  // Whether the last pose() call reused the cached decomposer outputs.
  bool last_call_used_decomposer_cache() const { return used_cache_; }
  const FullSystemNetworks& networks() const { return networks_; }
  FullPrecision precision() const { return precision_; }

 private:
  std::vector<torch::Tensor> decompose(const torch::Tensor& image);
  // Steps 1–3 (checks, casts, decomposer, combiner, face morpher), in the networks' dtype.
  struct FaceSteps {
    torch::Tensor image, poses;
    std::vector<torch::Tensor> decomposer, combiner, face;
  };
  FaceSteps run_face_steps(const torch::Tensor& image, const torch::Tensor& pose, FullPoserTimings& timings);

  FullSystemNetworks networks_;
  FullPrecision precision_;
  // The decomposer cache (spec §4.5) holds a *copy* of the image it was computed from, so that a caller
  // editing its tensor in place cannot make the cache stale (the reference keeps a reference).
  torch::Tensor cached_image_;
  std::vector<torch::Tensor> cached_decomposer_outputs_;
  bool used_cache_ = false;
};

}  // namespace tha4::full
