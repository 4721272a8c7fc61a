#include "inference/student/student_engine.h"

#include "inference/fast/fast_student_engine.h"
#include "inference/student/reference_engine.h"
#include "inference/util/errors.h"

namespace tha4 {

std::string_view student_output_name(StudentOutput output) {
  switch (output) {
    case StudentOutput::kBlended: return "blended";
    case StudentOutput::kAlpha: return "alpha";
    case StudentOutput::kColorChange: return "color_change";
    case StudentOutput::kWarped: return "warped";
    case StudentOutput::kGridChange: return "grid_change";
    case StudentOutput::kFace: return "face";
  }
  return "unknown";
}

std::string_view engine_kind_name(StudentEngineKind kind) {
  switch (kind) {
    case StudentEngineKind::kReference: return "reference";
    case StudentEngineKind::kFast: return "fast";
  }
  return "unknown";
}

StudentEngineKind parse_engine_kind(std::string_view name) {
  if (name == "reference") return StudentEngineKind::kReference;
  if (name == "fast") return StudentEngineKind::kFast;
  throw Error("unknown engine '" + std::string(name) + "' (valid: fast, reference)");
}

std::unique_ptr<StudentEngine> make_student_engine(StudentEngineKind kind, std::shared_ptr<CharacterModel> model,
                                                   const StudentEngineOptions& options) {
  switch (kind) {
    case StudentEngineKind::kReference: return std::make_unique<ReferenceStudentEngine>(std::move(model));
    case StudentEngineKind::kFast: return std::make_unique<fast::FastStudentEngine>(std::move(model), options.threads);
  }
  throw Error("unsupported engine");
}

}  // namespace tha4
