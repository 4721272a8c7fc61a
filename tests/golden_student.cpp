#include "tests/golden_student.h"

#include "inference/weights/tensor_archive.h"
#include "tests/test_support.h"

#include <algorithm>

namespace tha4::test {

Pose StudentGolden::pose(int64_t k) const {
  Pose pose{};
  const torch::Tensor row = poses[k].contiguous();
  std::copy_n(row.data_ptr<float>(), kPoseSize, pose.begin());
  return pose;
}

std::vector<StudentGolden> load_student_goldens() {
  std::vector<StudentGolden> goldens;
  const auto root = golden_dir() / "student";
  for (const auto& entry : std::filesystem::directory_iterator(root)) {
    const auto file = entry.path() / "student_golden.pt";
    if (!entry.is_directory() || !std::filesystem::exists(file)) continue;
    const auto tensors = read_tensor_archive(file);
    const std::string source = file.string();
    StudentGolden golden;
    golden.character = entry.path().filename().string();
    golden.folder = entry.path();
    golden.image = find_tensor(tensors, "image", source);
    golden.poses = find_tensor(tensors, "poses", source);
    golden.blended = find_tensor(tensors, "blended", source);
    golden.face = find_tensor(tensors, "face", source);
    goldens.push_back(std::move(golden));
  }
  std::sort(goldens.begin(), goldens.end(), [](const auto& a, const auto& b) { return a.character < b.character; });
  return goldens;
}

}  // namespace tha4::test
