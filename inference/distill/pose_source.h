#pragma once
// Where the distiller's training poses come from (spec §6.3): the reference's `pose_dataset.pt` when the
// user has it, otherwise a built-in sampler, so that distillation works without that download.
//
// The built-in sampler covers every parameter over its full range (the same marginal ranges as the
// dataset), with the sparsity of real expressions: each face group is active only part of the time and then
// shows one of its kinds, and the two sides of a pair move together half of the time.
//   eyebrows (12): with p = 3/4 one of troubled, angry, lowered, raised, happy, serious
//   eyes (12):     with p = 3/4 one of wink, happy_wink, surprised, relaxed, unimpressed, raised_lower_eyelid
//   iris_small (2): with p = 1/2
//   mouth (11):    with p = 3/4 one of aaa, iii, uuu, eee, ooo, delta, lowered_corner, raised_corner, smirk
//   a chosen kind's value is U(0, 1); a left/right kind draws one value for both sides with p = 1/2, else
//   one for each side
//   iris_rotation_x/y, head_x, head_y, neck_z, body_y, body_z: U(−1, 1); breathing: U(0, 1)
// Pose i is a pure function of i (a generator seeded from i), so the dataset is fixed, any example can be
// drawn in any order, and a resumed run sees the same poses.

#include "inference/pose/pose.h"

#include <torch/torch.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace tha4::distill {

class PoseSource {
 public:
  virtual ~PoseSource() = default;
  virtual int64_t size() const = 0;
  // The poses of `indices`, as an (n, 45) float32 CPU tensor.
  virtual torch::Tensor poses(const std::vector<int64_t>& indices) const = 0;
  // "pose_dataset.pt (1,234,567 poses)", "built-in pose sampler (1,048,576 poses)"
  virtual std::string description() const = 0;
};

// The reference's pose dataset: a torch.save of a (N, 45) tensor, or of a tuple or list of tensors whose first
// is (N, 45). Throws Error naming the file for anything else, or for a NaN or infinite pose.
std::shared_ptr<const PoseSource> load_pose_dataset(const std::filesystem::path& file);

// The built-in sampler described above, with `size` poses.
constexpr int64_t kBuiltinPoseCount = int64_t{1} << 20;
std::shared_ptr<const PoseSource> make_builtin_pose_sampler(int64_t size = kBuiltinPoseCount);

// Pose `index` of the built-in sampler.
Pose builtin_pose(uint64_t index);

}  // namespace tha4::distill
