#include "inference/distill/face_distillation.h"

#include "inference/distill/sample_data.h"
#include "inference/distill/sample_sheet.h"
#include "inference/pose/pose.h"
#include "inference/student/siren_init.h"

namespace tha4::distill {
namespace {

// The student's face crop inside the teacher's 192² face (spec §6.5): rows 48:176, cols 32:160.
constexpr int64_t kCropTop = 48, kCropLeft = 32, kCropSize = 128;
constexpr int64_t kSamplePoses = 8;

}  // namespace

FaceLoss face_distillation_loss(const torch::Tensor& teacher, const torch::Tensor& student, const torch::Tensor& mask) {
  const torch::Tensor difference = teacher - student;
  FaceLoss loss;
  loss.l1 = difference.abs().mean();
  loss.masked_l1 = (difference * mask).abs().mean();
  loss.total = loss.l1 + kFaceMaskWeight * loss.masked_l1;
  return loss;
}

double face_learning_rate(int64_t examples_seen, int64_t total_examples) {
  // The reference's boundaries are 2, 5 and 8 of its 10 checkpoints.
  if (examples_seen < total_examples * 2 / 10) return 1e-4;
  if (examples_seen < total_examples * 5 / 10) return 1e-4 / 3;
  if (examples_seen < total_examples * 8 / 10) return 1e-5;
  return 1e-4 / 30;
}

FaceDistillationTask::FaceDistillationTask(DistillationTeacher teacher, const torch::Tensor& face_mask,
                                           std::shared_ptr<const PoseSource> poses, FaceDistillationSettings settings)
    : teacher_(std::move(teacher)),
      mask_(face_mask.to(teacher_.device)),
      poses_(std::move(poses)),
      settings_(std::move(settings)),
      student_(SirenFaceMorpher()) {
  student_->to(teacher_.device);
}

void FaceDistillationTask::initialize_module() { initialize_siren_face_morpher(*student_); }

double FaceDistillationTask::learning_rate(int64_t examples_seen) const {
  return face_learning_rate(examples_seen, settings_.total_examples);
}

torch::Tensor FaceDistillationTask::teacher_faces(const torch::Tensor& poses) {
  const torch::Tensor face = teacher_.poser->pose_face(teacher_.batch_image(poses.size(0)), poses)[0];
  return face.slice(2, kCropTop, kCropTop + kCropSize).slice(3, kCropLeft, kCropLeft + kCropSize);
}

training::StepLoss FaceDistillationTask::loss(const std::vector<int64_t>& examples, int64_t /*examples_seen*/) {
  const torch::Tensor poses = poses_->poses(examples).to(teacher_.device);
  const torch::Tensor teacher = teacher_faces(poses);
  const torch::Tensor student = student_->forward(poses.slice(1, 0, kFaceMorpherPoseSize));
  FaceLoss loss = face_distillation_loss(teacher, student, mask_);
  return {{loss.l1, loss.masked_l1}, loss.total};
}

void FaceDistillationTask::write_sample_output(const std::filesystem::path& png) {
  if (!sample_poses_.defined()) {
    SampleData data =
        load_or_make_sample_data(settings_.run_folder, *poses_, kSamplePoses, settings_.sample_seed, {"teacher"},
                                 [&](const torch::Tensor& poses) {
                                   return std::vector<torch::Tensor>{teacher_faces(poses.to(teacher_.device))};
                                 });
    sample_poses_ = data.poses;
    sample_teacher_ = data.outputs.at(0);
  }
  torch::NoGradGuard no_grad;
  student_->eval();
  const torch::Tensor student = student_->forward(sample_poses_.to(teacher_.device).slice(1, 0, kFaceMorpherPoseSize));
  student_->train();
  write_sample_png(face_sample_sheet(sample_teacher_, student), png);
}

}  // namespace tha4::distill
