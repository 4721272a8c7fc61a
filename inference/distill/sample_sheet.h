#pragma once
// The pictures a distillation writes as it goes, laid out as the reference lays them out (spec §6.5, §6.6),
// so a person can watch the student catch up with the teacher.

#include "inference/image/image_io.h"

#include <torch/torch.h>

namespace tha4::distill {

// Face: 8 poses as a 4 × 4 grid of 128² cells, each row two [teacher | student] pairs; the manual poser's
// display path (no un-premultiply, rint). `teacher` and `student` are (8, 4, 128, 128).
Rgba8Image face_sample_sheet(const torch::Tensor& teacher, const torch::Tensor& student);

// One row of the body sheet (each tensor (1, C, 512, 512) or (C, 512, 512)).
struct BodySampleRow {
  torch::Tensor teacher_merged, student_blended, student_alpha, student_color_change, student_warped,
      teacher_grid_change, student_grid_change;
};
// Body: one row of seven 512² cells per pose: teacher merged, student blended, alpha, colour change, warped,
// teacher grid change, student grid change. Colour cells are shown with straight alpha over a green screen,
// grid changes as a colour wheel, alpha as grey.
Rgba8Image body_sample_sheet(const std::vector<BodySampleRow>& rows);

}  // namespace tha4::distill
