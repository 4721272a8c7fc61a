#pragma once
// The student goldens of ../shared/golden/student/<character>/ (README there), shared by the parity
// and CLI tests.

#include "inference/pose/pose.h"

#include <torch/torch.h>

#include <filesystem>
#include <string>
#include <vector>

namespace tha4::test {

struct StudentGolden {
  std::string character;         // names the model folder in ../shared/models
  std::filesystem::path folder;  // golden/student/<character>
  torch::Tensor image;           // (4, 512, 512)
  torch::Tensor poses;           // (K, 45)
  torch::Tensor blended;         // (K, 4, 512, 512)
  torch::Tensor face;            // (K, 4, 128, 128)

  int64_t pose_count() const { return poses.size(0); }
  Pose pose(int64_t k) const;
  std::filesystem::path display_png(int64_t k) const { return folder / ("pose_" + std::to_string(k) + ".png"); }
};

// Every character folder under golden_dir()/student, sorted by name.
std::vector<StudentGolden> load_student_goldens();

}  // namespace tha4::test
