#include "inference/distill/body_distillation.h"

#include "inference/distill/sample_data.h"
#include "inference/distill/sample_sheet.h"
#include "inference/student/siren_init.h"

#include <array>

namespace tha4::distill {
namespace {

// The editor's outputs in mode_07's list.
constexpr int kTeacherWarped = full::output::kEditor + static_cast<int>(full::UnetPoserOutput::kWarped);
constexpr int kTeacherGridChange = full::output::kEditor + static_cast<int>(full::UnetPoserOutput::kGridChange);

constexpr int64_t kSamplePoses = 4;

// The reference's table (spec §6.6); the bounds are in fifteenths of the run (its 15 checkpoints).
struct PhaseRow {
  int64_t upper_fifteenths;
  BodyPhase phase;
};
constexpr std::array<PhaseRow, 6> kPhases = {{
    {2, {1e-4, 0.25, 0.25, 0.5, 2.0}},
    {4, {3e-5, 0.25, 0.25, 0.5, 2.0}},
    {6, {3e-5, 1.0, 2.5, 5.0, 1.0}},
    {8, {1e-5, 1.0, 2.5, 5.0, 1.0}},
    {13, {1e-5, 10.0, 1.0, 1.0, 1.0}},
    {15, {3e-6, 10.0, 1.0, 1.0, 1.0}},
}};

}  // namespace

BodyPhase body_phase(int64_t examples_seen, int64_t total_examples) {
  for (const auto& row : kPhases) {
    if (examples_seen < total_examples * row.upper_fifteenths / 15) return row.phase;
  }
  return kPhases.back().phase;
}

BodyLoss body_distillation_loss(const torch::Tensor& teacher_merged, const torch::Tensor& teacher_warped,
                                const torch::Tensor& teacher_grid_change, const BodyMorpherOutputs& student,
                                const BodyPhase& phase) {
  BodyLoss loss;
  loss.blended = (teacher_merged - student.blended).abs().mean();
  loss.warped = (teacher_warped - student.warped).abs().mean();
  loss.grid_change = (teacher_grid_change - student.grid_change).abs().mean();
  loss.color_change = (teacher_merged - student.color_change).abs().mean();
  loss.total = phase.blended * loss.blended + phase.warped * loss.warped + phase.grid_change * loss.grid_change +
               phase.color_change * loss.color_change;
  return loss;
}

BodyDistillationTask::BodyDistillationTask(DistillationTeacher teacher, std::shared_ptr<const PoseSource> poses,
                                           BodyDistillationSettings settings)
    : teacher_(std::move(teacher)),
      poses_(std::move(poses)),
      settings_(std::move(settings)),
      student_(SirenBodyMorpher()) {
  student_->to(teacher_.device);
}

void BodyDistillationTask::initialize_module() { initialize_siren_body_morpher(*student_); }

double BodyDistillationTask::learning_rate(int64_t examples_seen) const {
  return body_phase(examples_seen, settings_.total_examples).learning_rate;
}

training::StepLoss BodyDistillationTask::loss(const std::vector<int64_t>& examples, int64_t examples_seen) {
  const torch::Tensor poses = poses_->poses(examples).to(teacher_.device);
  const std::vector<torch::Tensor> teacher = teacher_.poser->pose(teacher_.batch_image(poses.size(0)), poses);
  // The student sees the teacher's face-morphed picture (output 5), not its own face (spec §8.17).
  const BodyMorpherOutputs student = student_->forward(teacher[full::output::kFaceMorphedFull], poses);
  BodyLoss loss =
      body_distillation_loss(teacher[full::output::kFinalImage], teacher[kTeacherWarped], teacher[kTeacherGridChange],
                             student, body_phase(examples_seen, settings_.total_examples));
  return {{loss.blended, loss.warped, loss.grid_change, loss.color_change}, loss.total};
}

void BodyDistillationTask::write_sample_output(const std::filesystem::path& png) {
  if (!sample_poses_.defined()) {
    SampleData data = load_or_make_sample_data(
        settings_.run_folder, *poses_, kSamplePoses, settings_.sample_seed,
        {"teacher_merged", "teacher_grid_change", "face_morphed_full"}, [&](const torch::Tensor& poses) {
          std::vector<torch::Tensor> merged, grid, face;
          for (int64_t i = 0; i < poses.size(0); ++i) {  // batch 1, as the reference draws them
            const auto out =
                teacher_.poser->pose(teacher_.batch_image(1), poses.slice(0, i, i + 1).to(teacher_.device));
            merged.push_back(out[full::output::kFinalImage]);
            grid.push_back(out[kTeacherGridChange]);
            face.push_back(out[full::output::kFaceMorphedFull]);
          }
          return std::vector<torch::Tensor>{torch::cat(merged), torch::cat(grid), torch::cat(face)};
        });
    sample_poses_ = data.poses;
    sample_teacher_ = data.outputs;
  }
  torch::NoGradGuard no_grad;
  student_->eval();
  std::vector<BodySampleRow> rows;
  for (int64_t i = 0; i < sample_poses_.size(0); ++i) {
    const torch::Tensor pose = sample_poses_.slice(0, i, i + 1).to(teacher_.device);
    const BodyMorpherOutputs s = student_->forward(sample_teacher_[2][i].unsqueeze(0).to(teacher_.device), pose);
    rows.push_back(
        {sample_teacher_[0][i], s.blended, s.alpha, s.color_change, s.warped, sample_teacher_[1][i], s.grid_change});
  }
  student_->train();
  write_sample_png(body_sample_sheet(rows), png);
}

}  // namespace tha4::distill
