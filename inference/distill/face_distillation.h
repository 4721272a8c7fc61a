#pragma once
// Distilling the student face morpher (spec §6.5, supplement §4): the SIREN face morpher learns to reproduce
// the teacher's face (eyebrow decomposer → combiner → face morpher, mode_12) on the student's 128² face crop,
// from the first 39 pose parameters alone.
//
//   loss = mean|T − S| + 20 · mean|(T − S) ⊙ M|
// with both means over all N·4·128·128 elements (the masked term too), M the face mask on all 4 channels.
// Adam; learning rate 1e-4, 1e-4/3, 1e-5, 1e-4/30 from 0, 2/10, 5/10 and 8/10 of the run.

#include "inference/distill/distill_layout.h"
#include "inference/distill/distillation_teacher.h"
#include "inference/distill/pose_source.h"
#include "inference/student/student_networks.h"
#include "inference/training/training_task.h"

#include <filesystem>
#include <memory>

namespace tha4::distill {

constexpr double kFaceMaskWeight = 20.0;  // λ_fm of the supplement

struct FaceLoss {
  torch::Tensor l1;         // mean |T − S|
  torch::Tensor masked_l1;  // mean |(T − S) ⊙ M|
  torch::Tensor total;      // l1 + 20 · masked_l1
};
// teacher, student (N, 4, 128, 128); mask (4, 128, 128) of 0/1.
FaceLoss face_distillation_loss(const torch::Tensor& teacher, const torch::Tensor& student, const torch::Tensor& mask);

// The learning rate after `examples_seen` of a face run of `total_examples`.
double face_learning_rate(int64_t examples_seen, int64_t total_examples);

struct FaceDistillationSettings {
  int64_t total_examples = kFaceDefaultExamples;
  uint64_t sample_seed = 0;          // face_morpher_random_seed_1: which poses the sample sheets show
  std::filesystem::path run_folder;  // where sample_output_data.pt is kept
};

class FaceDistillationTask final : public training::TrainingTask {
 public:
  FaceDistillationTask(DistillationTeacher teacher, const torch::Tensor& face_mask,
                       std::shared_ptr<const PoseSource> poses, FaceDistillationSettings settings);

  std::string name() const override { return "face_morpher"; }
  torch::nn::Module& module() override { return *student_; }
  void initialize_module() override;
  double learning_rate(int64_t examples_seen) const override;
  std::vector<std::string> loss_names() const override { return {"l1", "masked_l1"}; }
  int64_t dataset_size() const override { return poses_->size(); }
  training::StepLoss loss(const std::vector<int64_t>& examples, int64_t examples_seen) override;
  void write_sample_output(const std::filesystem::path& png) override;

  SirenFaceMorpher& student() { return student_; }
  // The teacher's 128² face crop for (N, 45) poses, no gradients.
  torch::Tensor teacher_faces(const torch::Tensor& poses);

 private:
  DistillationTeacher teacher_;
  torch::Tensor mask_;
  std::shared_ptr<const PoseSource> poses_;
  FaceDistillationSettings settings_;
  SirenFaceMorpher student_;
  torch::Tensor sample_poses_, sample_teacher_;  // loaded or made on first use
};

}  // namespace tha4::distill
