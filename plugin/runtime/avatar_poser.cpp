#include "plugin/runtime/avatar_poser.h"

#include "tracking/common/steady_seconds.h"
#if THA4_HAS_CUDA_ENGINE
#include "plugin/runtime/cuda_poser.h"
#endif

#include "inference/engine/make_poser.h"
#include "inference/image/display.h"
#include "inference/image/image_io.h"
#include "inference/student/character_model.h"
#include "inference/distill/distill_layout.h"
#include "inference/student/distillation_preview.h"
#include "inference/training/progress_file.h"
#include "inference/student/student_engine.h"
#include "inference/util/errors.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <sstream>
#include <thread>

namespace tha4::avatar {
namespace {

using tracking::steady_seconds;

constexpr int kFrameSize = 512;

// Model outputs are premultiplied linear RGBA in [-1, 1]. OBS samples our texture as sRGB and blends it
// premultiplied (ONE, INVSRCALPHA) in linear light, so the texture holds the premultiplied colour,
// sRGB-encoded, clamped to alpha (DisplayPath::kPremultiplied).
void tensor_to_frame(const torch::Tensor& image, AvatarFrame& frame) {
  Rgba8Image rgba = image_tensor_to_rgba8(image, DisplayPath::kPremultiplied);
  frame.width = rgba.width;
  frame.height = rgba.height;
  frame.pixels.swap(rgba.pixels);
}

std::string folder_name(const std::filesystem::path& folder) {
  const std::filesystem::path clean = folder.has_filename() ? folder : folder.parent_path();
  return clean.filename().string();
}

// Any engine's poser behind a source: the frame is the engine's display bytes.
class EnginePoser final : public AvatarPoser {
 public:
  EnginePoser(std::unique_ptr<engine::Poser> poser, std::string description)
      : poser_(std::move(poser)), description_(std::move(description)) {}

  std::string description() const override { return description_; }

  void render(const Pose& pose, AvatarFrame& frame) override {
    poser_->render_rgba8(pose, rgba_);
    frame.width = rgba_.width;
    frame.height = rgba_.height;
    frame.pixels.swap(rgba_.pixels);
  }

 private:
  std::unique_ptr<engine::Poser> poser_;
  std::string description_;
  Rgba8Image rgba_;
};

// A poser of a distillation in progress: renders with the student of its newest snapshots and asks to be
// reloaded when a newer snapshot appears or the run finishes.
class DistillationPreviewPoser final : public AvatarPoser {
 public:
  DistillationPreviewPoser(std::unique_ptr<AvatarPoser> inner, DistillationPreview preview)
      : inner_(std::move(inner)), preview_(std::move(preview)) {}

  std::string description() const override { return inner_->description() + " · " + preview_.description(); }
  void render(const Pose& pose, AvatarFrame& frame) override { inner_->render(pose, frame); }
  void set_host_frames(bool wanted) override { inner_->set_host_frames(wanted); }
  bool last_frame_to_host(AvatarFrame& frame) override { return inner_->last_frame_to_host(frame); }
  bool outdated() override {
    constexpr double kCheckEvery_s = 5.0;
    const double now = steady_seconds();
    if (now < next_check_s_) return false;
    next_check_s_ = now + kCheckEvery_s;
    if (finished_distillation_model(preview_.prefix)) return true;
    const auto current = find_distillation_preview(preview_.prefix);
    return current && !current->same_progress(preview_);
  }

 private:
  std::unique_ptr<AvatarPoser> inner_;
  DistillationPreview preview_;
  double next_check_s_ = steady_seconds() + 5.0;
};

// The student a folder holds: a character model folder, the finished model of a distillation prefix, or a
// preview of a distillation in progress.
struct StudentSource {
  std::shared_ptr<CharacterModel> model;
  std::optional<DistillationPreview> preview;
};
StudentSource load_student_source(const std::filesystem::path& folder, const torch::Device& device) {
  StudentSource source;
  std::error_code ec;
  const bool plain_model = std::filesystem::is_regular_file(folder / "character_model.yaml", ec) ||
                           std::filesystem::is_regular_file(folder, ec);
  if (!plain_model) {
    if (const auto finished = finished_distillation_model(folder)) {
      source.model = std::make_shared<CharacterModel>(load_character_model(*finished, device));
      return source;
    }
    // The distiller may be swapping a snapshot while we read it: look again, a moment later.
    for (int attempt = 1;; ++attempt) {
      auto preview = find_distillation_preview(folder);
      if (!preview) break;
      try {
        source.model = std::make_shared<CharacterModel>(load_distillation_preview(*preview, device));
        source.preview = std::move(preview);
        return source;
      } catch (const Error&) {
        if (attempt == 3) throw;
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
      }
    }
  }
  source.model = std::make_shared<CharacterModel>(load_character_model(folder, device));
  return source;
}

LoadedPoser with_preview(LoadedPoser loaded, std::optional<DistillationPreview> preview) {
  if (preview) loaded.poser = std::make_unique<DistillationPreviewPoser>(std::move(loaded.poser), std::move(*preview));
  return loaded;
}

engine::Kind engine_kind(EngineChoice choice) {
  switch (choice) {
    case EngineChoice::kAuto: return engine::Kind::kAuto;
    case EngineChoice::kCpuFast: return engine::Kind::kFast;
    case EngineChoice::kCpuReference: return engine::Kind::kReference;
    case EngineChoice::kCuda: return engine::Kind::kCuda;
  }
  return engine::Kind::kAuto;
}

engine::Options engine_options(const AvatarSettings& settings) {
  engine::Options options;
  options.threads = engine::engine_threads(settings.cpu_threads);  // the source's own default: half the cores
  options.cuda_device = settings.cuda_device;
  options.cuda_precision = settings.gpu_precision == GpuPrecision::kQuality ? engine::CudaPrecision::kQuality
                                                                            : engine::CudaPrecision::kBalanced;
  options.all_outputs = false;                                       // a source shows the blended image only
  options.full_system_sizes = settings.debug_distill_teacher_sizes;  // tests: the reduced teacher
  return options;
}

LoadedPoser load_full_system_avatar(const AvatarSettings& settings) {
  // The full system runs on LibTorch: "fast" (a student engine) means LibTorch on the CPU here.
  const engine::Kind kind =
      settings.engine == EngineChoice::kCpuFast ? engine::Kind::kReference : engine_kind(settings.engine);
  const engine::Options options = engine_options(settings);
  const engine::EngineDecision decision = engine::resolve_engine(kind, options);
  auto poser = engine::make_full_system_poser(kind, settings.model_folder, settings.character_image, options);
  LoadedPoser loaded;
  std::string description = poser->description();
  loaded.poser = std::make_unique<EnginePoser>(std::move(poser), std::move(description));
  loaded.warning = decision.warning;
  if (decision.device.is_cpu() && !decision.fused_cuda) {
    loaded.warning +=
        std::string(loaded.warning.empty() ? "" : "; ") +
        "the full system takes seconds per frame on a CPU: expect a slide show (a student model runs live)";
  }
  return loaded;
}

}  // namespace

DistillationFolder look_at_distillation(const std::filesystem::path& prefix) {
  DistillationFolder folder;
  if (prefix.empty()) return folder;
  folder.finished = finished_distillation_model(prefix).has_value();
  if (folder.finished) return folder;
  // A student face early in its run is a blur of colour: the source moves to the run's snapshots only once
  // the face has been learnt (its run finished, or the body's begun); the body's snapshots then follow.
  const std::optional<DistillationPreview> preview = find_distillation_preview(prefix);
  if (!preview) return folder;
  const auto face = training::read_training_progress(prefix / distill::kFaceRunFolder);
  folder.has_snapshot = preview->body_weights.has_value() || (face && face->finished);
  return folder;
}

bool holds_full_system(const std::filesystem::path& folder) {
  return !folder.empty() && engine::is_full_system_folder(folder);
}

bool student_of_another_picture(const std::filesystem::path& folder, const std::filesystem::path& picture) {
  if (folder.empty() || picture.empty()) return false;
  std::error_code error;
  if (!std::filesystem::is_regular_file(folder / "character_model.yaml", error)) return false;
  try {
    const std::filesystem::path own = read_character_model_files(folder).character_image;
    return std::filesystem::weakly_canonical(own, error) != std::filesystem::weakly_canonical(picture, error);
  } catch (const std::exception&) {
    return false;  // a damaged model says so when it loads
  }
}

LoadedPoser load_avatar_poser(const AvatarSettings& settings) {
  if (settings.model_folder.empty()) {
    throw CharacterModelError(
        "no character model chosen: pick a character model folder (one with "
        "character_model.yaml, or the full system's five weight files) in the source's "
        "properties");
  }
  if (engine::is_full_system_folder(settings.model_folder)) return load_full_system_avatar(settings);
  const engine::Options options = engine_options(settings);
  const engine::EngineDecision decision = engine::resolve_engine(engine_kind(settings.engine), options);
  StudentSource source = load_student_source(settings.model_folder, decision.device);
  const std::filesystem::path model_folder =
      source.preview ? source.preview->prefix : source.model->files.yaml.parent_path();
  std::unique_ptr<StudentEngine> student = engine::make_poser(decision.kind, std::move(source.model), options);
  std::string description = folder_name(model_folder) + " · student · " + student->engine_description();
  LoadedPoser loaded;
#if THA4_HAS_CUDA_ENGINE
  if (decision.fused_cuda) {
    loaded.poser = wrap_cuda_poser(std::move(student), std::move(description));
    loaded.fused_cuda = true;
  }
#endif
  if (!loaded.poser) loaded.poser = std::make_unique<EnginePoser>(std::move(student), std::move(description));
  loaded.warning = decision.warning;
  return with_preview(std::move(loaded), std::move(source.preview));
}

namespace {

// The picture of whatever student a folder holds (see load_student_source).
std::filesystem::path character_picture_of(const std::filesystem::path& folder) {
  std::error_code ec;
  if (!std::filesystem::exists(folder / "character_model.yaml", ec)) {
    if (const auto finished = finished_distillation_model(folder))
      return read_character_model_files(*finished).character_image;
    if (const auto preview = find_distillation_preview(folder)) return preview->picture;
  }
  return read_character_model_files(folder).character_image;
}

}  // namespace

std::optional<AvatarFrame> load_still_frame(const AvatarSettings& settings) {
  try {
    std::filesystem::path image_file = settings.character_image;
    if (image_file.empty()) image_file = character_picture_of(settings.model_folder);
    const Rgba8Image image = read_rgba8_image(image_file);
    validate_character_image(image, image_file.string());
    AvatarFrame frame;
    tensor_to_frame(rgba8_to_tensor(image), frame);
    return frame;
  } catch (const std::exception&) {
    return std::nullopt;  // the caller already reports why the model failed
  }
}

AvatarFrame placeholder_frame() {
  AvatarFrame frame;
  frame.width = kFrameSize;
  frame.height = kFrameSize;
  frame.pixels.assign(static_cast<std::size_t>(kFrameSize) * kFrameSize * 4, 0);
  // A head and shoulders in translucent grey (premultiplied), antialiased over one pixel.
  const auto coverage = [](double distance) { return std::clamp(0.5 - distance, 0.0, 1.0); };
  for (int y = 0; y < kFrameSize; ++y) {
    for (int x = 0; x < kFrameSize; ++x) {
      const double head = std::hypot(x - 256.0, y - 200.0) - 80.0;
      const double body = std::hypot((x - 256.0) / 1.6, y - 470.0) - 110.0;
      const double inside = std::max(coverage(head), y < 512 ? coverage(body) : 0.0);
      const auto alpha = static_cast<std::uint8_t>(std::lround(150.0 * inside));
      std::uint8_t* px = &frame.pixels[(static_cast<std::size_t>(y) * kFrameSize + x) * 4];
      px[0] = px[1] = px[2] = static_cast<std::uint8_t>(std::lround(0.62 * alpha));
      px[3] = alpha;
    }
  }
  return frame;
}

}  // namespace tha4::avatar
