#pragma once
// Distilling the student body morpher (spec §6.6): the three-level SIREN body morpher learns the whole
// teacher (mode_07) from the teacher's own face-morphed picture (its output 5) and all 45 pose parameters.
//
//   loss = w_b·|T0 − S.blended| + w_w·|T2 − S.warped| + w_g·|T3 − S.grid_change| + w_c·|T0 − S.color_change|
// each a mean over all elements (T0 the editor's final image, T2 its warped image, T3 its grid change; the
// colour output is pulled towards the final image; alpha is not supervised). The weights and the learning
// rate follow the reference's phase table, scaled to the run's length (1.5 M examples by default).

#include "inference/distill/distill_layout.h"
#include "inference/distill/distillation_teacher.h"
#include "inference/distill/pose_source.h"
#include "inference/student/student_networks.h"
#include "inference/training/training_task.h"

#include <filesystem>
#include <memory>

namespace tha4::distill {

// One row of the phase table.
struct BodyPhase {
  double learning_rate;
  double blended, warped, grid_change, color_change;  // the weights of the four terms
};
// The phase in force after `examples_seen` of a body run of `total_examples`: the first phase whose upper
// bound (200k, 400k, 600k, 800k, 1.3M, 1.5M of 1.5M) is above the count, else the last.
BodyPhase body_phase(int64_t examples_seen, int64_t total_examples);

struct BodyLoss {
  torch::Tensor blended, warped, grid_change, color_change;  // unweighted mean L1 terms
  torch::Tensor total;
};
// The teacher's editor outputs (final image, warped image, grid change) against the student's outputs.
BodyLoss body_distillation_loss(const torch::Tensor& teacher_merged, const torch::Tensor& teacher_warped,
                                const torch::Tensor& teacher_grid_change, const BodyMorpherOutputs& student,
                                const BodyPhase& phase);

struct BodyDistillationSettings {
  int64_t total_examples = kBodyDefaultExamples;
  uint64_t sample_seed = 0;          // body_morpher_random_seed_1
  std::filesystem::path run_folder;  // where sample_output_data.pt is kept
};

class BodyDistillationTask final : public training::TrainingTask {
 public:
  BodyDistillationTask(DistillationTeacher teacher, std::shared_ptr<const PoseSource> poses,
                       BodyDistillationSettings settings);

  std::string name() const override { return "body_morpher"; }
  torch::nn::Module& module() override { return *student_; }
  void initialize_module() override;
  double learning_rate(int64_t examples_seen) const override;
  std::vector<std::string> loss_names() const override { return {"blended", "warped", "grid_change", "color_change"}; }
  int64_t dataset_size() const override { return poses_->size(); }
  training::StepLoss loss(const std::vector<int64_t>& examples, int64_t examples_seen) override;
  void write_sample_output(const std::filesystem::path& png) override;

  SirenBodyMorpher& student() { return student_; }

 private:
  DistillationTeacher teacher_;
  std::shared_ptr<const PoseSource> poses_;
  BodyDistillationSettings settings_;
  SirenBodyMorpher student_;
  torch::Tensor sample_poses_;
  std::vector<torch::Tensor> sample_teacher_;  // merged, grid change, face-morphed picture
};

}  // namespace tha4::distill
