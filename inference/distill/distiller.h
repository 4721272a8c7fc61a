#pragma once
// `tha4 distill run`: turns one character picture into a student character model (spec §6.1). The face
// morpher is distilled first, then the body morpher, both on the shared training loop; then
// <prefix>/character_model/ is written in the official layout (character_model.yaml, character.png,
// face_morpher.pt, body_morpher.pt), which this project, its OBS source and the reference all load.
//
// Every input is checked before anything is written: the config, both pictures, the teacher's weight folder
// (and its weights, loaded strictly), the pose dataset, and that the prefix can be written.

#include "inference/distill/distill_layout.h"
#include "inference/distill/distiller_config.h"
#include "inference/full/precision.h"
#include "inference/training/communicator.h"
#include "inference/training/training_loop.h"

#include <torch/torch.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <ostream>

namespace tha4::distill {

enum class DistillPart { kAll, kFace, kBody };

struct DistillRunOptions {
  std::filesystem::path config_file;
  std::filesystem::path teacher_folder;                      // the five official teacher weight files
  std::optional<std::filesystem::path> teacher_config_json;  // other network sizes (teacher_pipeline.json style)
  std::optional<std::filesystem::path> pose_dataset;         // the reference's pose_dataset.pt; else built in
  DistillPart part = DistillPart::kAll;
  int64_t face_examples = 1'000'000;
  int64_t body_examples = 1'500'000;
  // By default the reference's intervals, scaled with the run's length: a checkpoint every tenth (face) or
  // fifteenth (body) of the run, a snapshot every tenth of that, sample sheets at the config's interval.
  std::optional<int64_t> checkpoint_every, snapshot_every, sample_every;
  torch::Device device = torch::kCPU;
  full::FullPrecision teacher_precision = full::FullPrecision::kFloat32;
  training::Communicator* communicator = nullptr;  // nothing: one process
  std::ostream* progress = nullptr;                // rank 0's progress bars
  bool interactive_progress = false;
  std::ostream* log = nullptr;  // rank 0's messages
};

struct DistillResult {
  std::optional<training::TrainingOutcome> face, body;
  std::optional<std::filesystem::path> character_model;  // written when both parts are complete
};

// Runs (or resumes) the distillation. Collective: every process calls it with the same options. Throws
// DistillerConfigError, ImageError, FullSystemError, WeightFileError or Error before writing anything when an
// input cannot be used.
DistillResult run_distillation(const DistillRunOptions& options);

// The schedule of a part of `total_examples` (see DistillRunOptions).
training::TrainingSchedule distill_schedule(int64_t total_examples, int64_t default_examples, int checkpoints,
                                            std::optional<int64_t> config_sample_interval,
                                            const DistillRunOptions& options);

}  // namespace tha4::distill
