#include "inference/pose/pose_tensor.h"

namespace tha4 {

torch::Tensor pose_to_tensor(const Pose& pose, const torch::Device& device) {
  // from_blob only views the array; clone() owns the copy before it moves (a no-op move on the CPU).
  return torch::from_blob(const_cast<float*>(pose.data()), {1, kPoseSize}, torch::kFloat32).clone().to(device);
}

}  // namespace tha4
