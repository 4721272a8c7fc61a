#include "inference/student/distillation_preview.h"

#include "inference/util/text_format.h"

#include "inference/distill/distill_layout.h"
#include "inference/training/state_layout.h"
#include "inference/weights/state_dict.h"

#include <fstream>

namespace tha4 {
namespace {

namespace fs = std::filesystem;

std::optional<int64_t> examples_of(const fs::path& state) {
  std::ifstream in(state / training::kExamplesSeenFile);
  long long value = -1;
  if (!(in >> value) || value < 0) return std::nullopt;
  return static_cast<int64_t>(value);
}

// The newest complete state of a run: its snapshot, or else its newest checkpoint. A state folder only ever
// appears complete (it is renamed into place), so whatever is there can be read.
struct RunState {
  fs::path weights;
  int64_t examples;
};
std::optional<RunState> newest_state(const fs::path& run) {
  std::error_code ec;
  std::optional<RunState> best;
  auto consider = [&](const fs::path& state) {
    const auto examples = examples_of(state);
    if (examples && fs::is_regular_file(state / training::kModuleFile, ec) && (!best || *examples > best->examples)) {
      best = RunState{state / training::kModuleFile, *examples};
    }
  };
  consider(training::snapshot_folder(run));
  if (fs::is_directory(run / training::kCheckpointFolder, ec)) {
    for (const auto& entry : fs::directory_iterator(run / training::kCheckpointFolder, ec)) {
      if (entry.path().filename().string().rfind('.', 0) != 0) consider(entry.path());
    }
  }
  return best;
}

}  // namespace

std::string DistillationPreview::description() const {
  std::string text = "distillation in progress: face " + with_thousands(face_examples) + " examples, body ";
  return text + (body_weights ? with_thousands(body_examples) + " examples" : "not started (the body holds still)");
}

std::optional<fs::path> finished_distillation_model(const fs::path& prefix) {
  const fs::path model = prefix / distill::kCharacterModelFolder;
  std::error_code ec;
  if (fs::is_regular_file(model / "character_model.yaml", ec)) return model;
  return std::nullopt;
}

std::optional<DistillationPreview> find_distillation_preview(const fs::path& prefix) {
  const fs::path face_run = prefix / distill::kFaceRunFolder;
  std::error_code ec;
  if (!fs::is_regular_file(face_run / distill::kPreviewPictureFile, ec)) return std::nullopt;
  const auto face = newest_state(face_run);
  if (!face) return std::nullopt;
  DistillationPreview preview;
  preview.prefix = prefix;
  preview.picture = face_run / distill::kPreviewPictureFile;
  preview.face_weights = face->weights;
  preview.face_examples = face->examples;
  // The body's checkpoint 0000 is its random start: a still body looks better until it has trained a little.
  if (const auto body = newest_state(prefix / distill::kBodyRunFolder); body && body->examples > 0) {
    preview.body_weights = body->weights;
    preview.body_examples = body->examples;
  }
  return preview;
}

CharacterModel load_distillation_preview(const DistillationPreview& preview, const torch::Device& device) {
  CharacterModel model;
  model.files.yaml = preview.prefix;
  model.files.character_image = preview.picture;
  model.files.face_morpher = preview.face_weights;
  model.files.body_morpher = preview.body_weights.value_or(fs::path());
  model.device = device;
  model.character_image = read_rgba8_image(preview.picture);
  validate_character_image(model.character_image, preview.picture.string());
  model.image = rgba8_to_tensor(model.character_image).unsqueeze(0).to(device);

  model.face_morpher = SirenFaceMorpher();
  model.face_morpher->to(device);
  load_module_weights(*model.face_morpher, preview.face_weights);
  model.face_morpher->eval();

  model.body_morpher = SirenBodyMorpher();
  model.body_morpher->to(device);
  if (preview.body_weights) {
    load_module_weights(*model.body_morpher, *preview.body_weights);
  } else {
    // Grid change, alpha and colour change all 0: blended = warp(image, 0) = the image with the face pasted.
    torch::NoGradGuard no_grad;
    model.body_morpher->last_linear->weight.zero_();
    model.body_morpher->last_linear->bias.zero_();
  }
  model.body_morpher->eval();
  return model;
}

}  // namespace tha4
