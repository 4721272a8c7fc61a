#include "inference/distill/sample_sheet.h"

#include "inference/image/contact_sheet.h"
#include "inference/image/display.h"
#include "inference/util/errors.h"

#include <algorithm>

namespace tha4::distill {
Rgba8Image face_sample_sheet(const torch::Tensor& teacher, const torch::Tensor& student) {
  if (teacher.dim() != 4 || teacher.size(0) != 8 || teacher.sizes() != student.sizes()) {
    throw Error("face sample sheet: expected teacher and student of shape (8, 4, 128, 128), got " +
                c10::str(teacher.sizes()) + " and " + c10::str(student.sizes()));
  }
  const int cell = static_cast<int>(teacher.size(3));
  Rgba8Image sheet(4 * cell, 4 * cell);
  for (int pose = 0; pose < 8; ++pose) {
    const int row = pose / 2;
    const int column = (pose % 2) * 2;
    paste_cell(sheet, image_tensor_to_rgba8(teacher[pose], DisplayPath::kReferenceRound), column * cell, row * cell);
    paste_cell(sheet, image_tensor_to_rgba8(student[pose], DisplayPath::kReferenceRound), (column + 1) * cell,
               row * cell);
  }
  return sheet;
}

Rgba8Image body_sample_sheet(const std::vector<BodySampleRow>& rows) {
  if (rows.empty()) throw Error("body sample sheet: no rows");
  const int cell = static_cast<int>(rows.front().teacher_merged.size(-1));
  Rgba8Image sheet(7 * cell, static_cast<int>(rows.size()) * cell);
  for (std::size_t r = 0; r < rows.size(); ++r) {
    const BodySampleRow& row = rows[r];
    const int top = static_cast<int>(r) * cell;
    const Rgba8Image cells[7] = {
        over_green_screen(row.teacher_merged),
        over_green_screen(row.student_blended),
        output_tensor_to_rgba8(row.student_alpha, DisplayPath::kStraightAlpha),
        over_green_screen(row.student_color_change),
        over_green_screen(row.student_warped),
        output_tensor_to_rgba8(row.teacher_grid_change, DisplayPath::kStraightAlpha),
        output_tensor_to_rgba8(row.student_grid_change, DisplayPath::kStraightAlpha),
    };
    for (int c = 0; c < 7; ++c) paste_cell(sheet, cells[c], c * cell, top);
  }
  return sheet;
}

}  // namespace tha4::distill
