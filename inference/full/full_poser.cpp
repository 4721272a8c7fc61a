#include "inference/full/full_poser.h"

#include "inference/full/shape_checks.h"
#include "inference/pose/pose.h"
#include "inference/util/errors.h"
#include "inference/weights/state_dict.h"

#include <torch/cuda.h>

#include <array>
#include <chrono>

namespace tha4::full {
namespace {
namespace F = torch::nn::functional;

// mode_07's fixed geometry (spec §4.5): crops of the 512×512 image, in rows y and columns x.
constexpr int64_t kImageSize = 512;
constexpr int64_t kEyebrowTop = 64, kEyebrowLeft = 192, kEyebrowSize = 128;
constexpr int64_t kFaceTop = 32, kFaceLeft = 160, kFaceSize = 192;
constexpr int64_t kHalfSize = 256;
// The eyebrow crop inside the face crop: the same pixels as the decomposer's crop.
constexpr int64_t kEyebrowInFaceTop = kEyebrowTop - kFaceTop, kEyebrowInFaceLeft = kEyebrowLeft - kFaceLeft;
// The pose split: 12 eyebrow, 27 eye/iris/mouth, 6 rotation and breathing parameters.
constexpr int64_t kEyebrowParams = 12, kFaceParams = 27, kRotationParams = 6;
static_assert(kEyebrowParams + kFaceParams + kRotationParams == kPoseSize);

constexpr std::array<const char*, output::kCount> kOutputNames = {
    "upscaler.merged",
    "upscaler.alpha",
    "upscaler.warped",
    "upscaler.grid_change",
    "upscaler.direct",
    "face_morphed_full",
    "body_morpher.merged",
    "body_morpher.alpha",
    "body_morpher.warped",
    "body_morpher.grid_change",
    "body_morpher.direct",
    "face_morpher.output_image",
    "face_morpher.eye_alpha",
    "face_morpher.eye_color_change",
    "face_morpher.iris_mouth_image_1",
    "face_morpher.iris_mouth_alpha",
    "face_morpher.iris_mouth_color_change",
    "face_morpher.iris_mouth_image_0",
    "face_morpher.iris_mouth_grid_change",
    "eyebrow_morphing_combiner.eyebrow_image",
    "eyebrow_morphing_combiner.combine_alpha",
    "eyebrow_morphing_combiner.eyebrow_image_no_combine_alpha",
    "eyebrow_morphing_combiner.morphed_eyebrow_layer",
    "eyebrow_morphing_combiner.morphed_eyebrow_layer_alpha",
    "eyebrow_morphing_combiner.morphed_eyebrow_layer_color_change",
    "eyebrow_morphing_combiner.warped_eyebrow_layer",
    "eyebrow_morphing_combiner.morphed_eyebrow_layer_grid_change",
    "eyebrow_decomposer.eyebrow_layer",
    "eyebrow_decomposer.eyebrow_layer_alpha",
    "eyebrow_decomposer.eyebrow_layer_color_change",
    "eyebrow_decomposer.background_layer",
    "eyebrow_decomposer.background_layer_alpha",
    "eyebrow_decomposer.background_layer_color_change",
};

void require_geometry(bool condition, const std::string& what) {
  if (!condition) throw Error("the full system (mode_07) needs " + what);
}

void check_geometry(const FullSystemNetworks& n) {
  require_geometry(
      n.eyebrow_decomposer && n.eyebrow_morphing_combiner && n.face_morpher && n.body_morpher && n.upscaler,
      "all five networks");
  const EncoderFields& decomposer = n.eyebrow_decomposer->config().encoder;
  const EncoderFields& combiner = n.eyebrow_morphing_combiner->config().encoder;
  const EncoderFields& face = n.face_morpher->config().encoder;
  const auto& rotator = n.body_morpher->config();
  const auto& editor = n.upscaler->config();
  require_geometry(decomposer.image_size == kEyebrowSize && combiner.image_size == kEyebrowSize,
                   "128×128 eyebrow networks");
  require_geometry(face.image_size == kFaceSize, "a 192×192 face morpher");
  require_geometry(rotator.image_size == kHalfSize && editor.image_size == kImageSize,
                   "a 256×256 body morpher and a 512×512 upscaler");
  require_geometry(decomposer.image_channels == 4 && combiner.image_channels == 4 && face.image_channels == 4 &&
                       rotator.image_channels == 4 && editor.image_channels == 4,
                   "4-channel (RGBA) networks");
  require_geometry(n.eyebrow_morphing_combiner->config().num_pose_params == kEyebrowParams &&
                       n.face_morpher->config().num_expression_params == kFaceParams &&
                       rotator.num_pose_parameters == kRotationParams && editor.num_pose_parameters == kRotationParams,
                   "pose sizes 12 (eyebrows), 27 (face), 6 (rotation)");
}

torch::Tensor crop(const torch::Tensor& image, int64_t top, int64_t left, int64_t size) {
  return image.slice(2, top, top + size).slice(3, left, left + size);
}

// Times consecutive steps; on a GPU it waits for the device so each step gets its own work.
class StepClock {
 public:
  explicit StepClock(const torch::Device& device) : cuda_(device.is_cuda()), last_(now()) {}
  double lap() {
    if (cuda_) torch::cuda::synchronize();
    const auto t = now();
    const double ms = std::chrono::duration<double, std::milli>(t - last_).count();
    last_ = t;
    return ms;
  }

 private:
  static std::chrono::steady_clock::time_point now() { return std::chrono::steady_clock::now(); }
  bool cuda_;
  std::chrono::steady_clock::time_point last_;
};

// The device of the networks' weights (the decomposer's stands for all five).
torch::Device networks_device(const FullSystemNetworks& networks) {
  const auto parameters = networks.eyebrow_decomposer->parameters();
  return parameters.empty() ? torch::Device(torch::kCPU) : parameters.front().device();
}

}  // namespace

std::string output_name(int index) {
  if (index < 0 || index >= output::kCount) throw Error("no full-system output " + std::to_string(index));
  return kOutputNames[static_cast<std::size_t>(index)];
}

FullSystemNetworks FullSystemNetworks::create(const FullSystemConfig& config) {
  FullSystemNetworks networks;
  networks.eyebrow_decomposer = EyebrowDecomposer(config.eyebrow_decomposer);
  networks.eyebrow_morphing_combiner = EyebrowMorphingCombiner(config.eyebrow_morphing_combiner);
  networks.face_morpher = FaceMorpher(config.face_morpher);
  networks.body_morpher = HalfResRotator(config.body_morpher);
  networks.upscaler = Editor(config.upscaler);
  return networks;
}

std::shared_ptr<torch::nn::Module> FullSystemNetworks::module_of(TeacherNetwork network) const {
  switch (network) {
    case TeacherNetwork::kEyebrowDecomposer: return eyebrow_decomposer.ptr();
    case TeacherNetwork::kEyebrowMorphingCombiner: return eyebrow_morphing_combiner.ptr();
    case TeacherNetwork::kFaceMorpher: return face_morpher.ptr();
    case TeacherNetwork::kHalfResRotator: return body_morpher.ptr();
    case TeacherNetwork::kEditor: return upscaler.ptr();
  }
  throw Error("no teacher network " + std::to_string(static_cast<int>(network)));
}

std::vector<std::pair<std::string, std::shared_ptr<torch::nn::Module>>> FullSystemNetworks::named_modules() const {
  std::vector<std::pair<std::string, std::shared_ptr<torch::nn::Module>>> modules;
  for (const TeacherNetworkNames& names : kTeacherNetworks) {
    modules.emplace_back(std::string(names.reference_module), module_of(names.network));
  }
  return modules;
}

void FullSystemNetworks::to(const torch::Device& device) {
  for (auto& [name, module] : named_modules()) module->to(device);
}

std::string full_system_download_help() {
  return "The full THA4 system's weights are not shipped with THA4 Avatar (they are licensed CC BY-NC 4.0).\n"
         "Download the \"THA4 Models\" ZIP (tha4-models.zip, hosted on Dropbox) linked in the section\n"
         "\"Download the Models/Dataset Files\" of https://github.com/pkhungurn/talking-head-anime-4-demo,\n"
         "unzip it, and pass the folder holding its five weight files with --tha4-dir:\n" +
         weight_file_list() + ".";
}

void check_full_system_folder(const std::filesystem::path& folder) {
  std::error_code ec;
  if (!std::filesystem::is_directory(folder, ec)) {
    throw FullSystemError("full THA4 system weight folder " + folder.string() + " does not exist\n" +
                          full_system_download_help());
  }
  std::string missing;
  for (const TeacherNetworkNames& names : kTeacherNetworks) {
    const std::filesystem::path file = folder / names.weight_file;
    if (!std::filesystem::is_regular_file(file, ec)) missing += "\n  " + file.string();
  }
  if (!missing.empty()) {
    throw FullSystemError("full THA4 system weight folder " + folder.string() + " is incomplete; missing:" + missing +
                          "\n" + full_system_download_help());
  }
}

FullSystemNetworks load_full_system(const std::filesystem::path& folder, const FullSystemConfig& config,
                                    const torch::Device& device) {
  check_full_system_folder(folder);
  FullSystemNetworks networks = FullSystemNetworks::create(config);
  networks.to(device);
  for (const TeacherNetworkNames& names : kTeacherNetworks) {
    load_module_weights(*networks.module_of(names.network), folder / names.weight_file);
  }
  return networks;
}

FullPoser::FullPoser(FullSystemNetworks networks, FullPrecision precision)
    : networks_(std::move(networks)), precision_(precision) {
  check_geometry(networks_);
  require_precision_supported(precision_, networks_device(networks_));
  for (auto& [name, module] : networks_.named_modules()) {
    module->eval();
    cast_to_precision(*module, precision_);
  }
}

std::vector<torch::Tensor> FullPoser::decompose(const torch::Tensor& image) {
  // The reference's test (same batch size, max |I − I_cached| == 0) against a copy of the image.
  used_cache_ = cached_image_.defined() && cached_image_.sizes() == image.sizes() &&
                cached_image_.device() == image.device() && torch::equal(cached_image_, image);
  if (!used_cache_) {
    cached_decomposer_outputs_ =
        networks_.eyebrow_decomposer->forward(crop(image, kEyebrowTop, kEyebrowLeft, kEyebrowSize));
    cached_image_ = image.clone();
  }
  // Copies, so that a caller editing an output in place cannot change the cache either.
  std::vector<torch::Tensor> outputs;
  for (const auto& output : cached_decomposer_outputs_) outputs.push_back(output.clone());
  return outputs;
}

FullPoser::FaceSteps FullPoser::run_face_steps(const torch::Tensor& image_in, const torch::Tensor& pose_in,
                                               FullPoserTimings& t) {
  check_shape(image_in, {-1, 4, kImageSize, kImageSize}, "the full system", "an image");
  check_shape(pose_in, {image_in.size(0), kPoseSize}, "the full system", "a pose");
  if (!torch::isfinite(pose_in).all().item<bool>()) throw PoseError("the pose holds a NaN or infinite value");
  // Contiguous NCHW: a channels-last image would take other (less accurate) GroupNorm kernels. In the
  // networks' dtype (a no-op in fp32); the decomposer cache compares the cast image.
  const torch::ScalarType dtype = full_precision_dtype(precision_);
  FaceSteps steps;
  steps.image = image_in.to(dtype).contiguous();
  steps.poses = pose_in.to(dtype).contiguous();
  StepClock clock(steps.image.device());

  // 1. Eyebrow decomposer on the 128×128 eyebrow crop (cached per image).
  steps.decomposer = decompose(steps.image);
  t.eyebrow_decomposer = clock.lap();

  // 2. Combiner: background, eyebrow layer, the 12 eyebrow parameters.
  steps.combiner = networks_.eyebrow_morphing_combiner->forward(
      steps.decomposer[static_cast<int>(EyebrowDecomposerOutput::kBackgroundLayer)],
      steps.decomposer[static_cast<int>(EyebrowDecomposerOutput::kEyebrowLayer)],
      steps.poses.slice(1, 0, kEyebrowParams));
  t.eyebrow_morphing_combiner = clock.lap();

  // 3. Face morpher on a copy of the face crop with the morphed eyebrows pasted in.
  torch::Tensor face_input = crop(steps.image, kFaceTop, kFaceLeft, kFaceSize).clone();
  crop(face_input, kEyebrowInFaceTop, kEyebrowInFaceLeft, kEyebrowSize)
      .copy_(steps.combiner[static_cast<int>(EyebrowMorphingCombinerOutput::kEyebrowImageNoCombineAlpha)]);
  t.other += clock.lap();
  steps.face =
      networks_.face_morpher->forward(face_input, steps.poses.slice(1, kEyebrowParams, kEyebrowParams + kFaceParams));
  t.face_morpher = clock.lap();
  return steps;
}

namespace {

// Outputs of a reduced-precision run back to float32.
void to_float32(std::vector<torch::Tensor>& outputs) {
  for (auto& output : outputs) {
    if (output.scalar_type() != torch::kFloat32) output = output.to(torch::kFloat32);
  }
}

}  // namespace

std::vector<torch::Tensor> FullPoser::pose_face(const torch::Tensor& image, const torch::Tensor& pose) {
  torch::NoGradGuard no_grad;
  FullPoserTimings unused;
  FaceSteps steps = run_face_steps(image, pose, unused);
  std::vector<torch::Tensor> outputs;
  outputs.reserve(kFaceOutputCount);
  outputs.insert(outputs.end(), steps.face.begin(), steps.face.end());
  outputs.insert(outputs.end(), steps.combiner.begin(), steps.combiner.end());
  outputs.insert(outputs.end(), steps.decomposer.begin(), steps.decomposer.end());
  to_float32(outputs);
  return outputs;
}

std::vector<torch::Tensor> FullPoser::pose(const torch::Tensor& image_in, const torch::Tensor& pose_in,
                                           FullPoserTimings* timings) {
  torch::NoGradGuard no_grad;
  FullPoserTimings local;
  FullPoserTimings& t = timings ? *timings : local;
  t = {};
  const FaceSteps steps = run_face_steps(image_in, pose_in, t);
  const torch::Tensor& image = steps.image;
  StepClock clock(image.device());

  // 4. The morphed face pasted into a copy of the image, and its half-size version (plain bilinear).
  torch::Tensor face_morphed_full = image.clone();
  crop(face_morphed_full, kFaceTop, kFaceLeft, kFaceSize)
      .copy_(steps.face[static_cast<int>(FaceMorpherOutput::kOutputImage)]);
  const torch::Tensor face_morphed_half = resize_bilinear(face_morphed_full, kHalfSize);
  const torch::Tensor rotation = steps.poses.slice(1, kEyebrowParams + kFaceParams);
  t.other += clock.lap();

  // 5. Half-resolution rotator, then the editor at full size on its upsampled image and grid change (the
  //    grid change is in normalised units, so it is not rescaled).
  const std::vector<torch::Tensor> rotator = networks_.body_morpher->forward(face_morphed_half, rotation);
  t.body_morpher = clock.lap();
  const torch::Tensor coarse_posed = resize_bilinear(rotator[static_cast<int>(UnetPoserOutput::kMerged)], kImageSize);
  const torch::Tensor coarse_grid =
      resize_bilinear(rotator[static_cast<int>(UnetPoserOutput::kGridChange)], kImageSize);
  t.other += clock.lap();
  const std::vector<torch::Tensor> editor =
      networks_.upscaler->forward(face_morphed_full, coarse_posed, coarse_grid, rotation);
  t.upscaler = clock.lap();

  std::vector<torch::Tensor> outputs;
  outputs.reserve(output::kCount);
  outputs.insert(outputs.end(), editor.begin(), editor.end());
  outputs.push_back(face_morphed_full);
  outputs.insert(outputs.end(), rotator.begin(), rotator.end());
  outputs.insert(outputs.end(), steps.face.begin(), steps.face.end());
  outputs.insert(outputs.end(), steps.combiner.begin(), steps.combiner.end());
  outputs.insert(outputs.end(), steps.decomposer.begin(), steps.decomposer.end());
  if (full_precision_dtype(precision_) != torch::kFloat32) {
    to_float32(outputs);
    t.other += clock.lap();  // the casts back are part of a reduced-precision frame's cost
  }
  return outputs;
}

double FullPoserTimings::of(TeacherNetwork network) const {
  switch (network) {
    case TeacherNetwork::kEyebrowDecomposer: return eyebrow_decomposer;
    case TeacherNetwork::kEyebrowMorphingCombiner: return eyebrow_morphing_combiner;
    case TeacherNetwork::kFaceMorpher: return face_morpher;
    case TeacherNetwork::kHalfResRotator: return body_morpher;
    case TeacherNetwork::kEditor: return upscaler;
  }
  return 0;
}

torch::Tensor resize_bilinear(const torch::Tensor& x, int64_t size) {
  return F::interpolate(
      x,
      F::InterpolateFuncOptions().size(std::vector<int64_t>{size, size}).mode(torch::kBilinear).align_corners(false));
}

}  // namespace tha4::full
