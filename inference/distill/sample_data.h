#pragma once
// The fixed poses a run's sample sheets show, with the teacher's outputs for them, kept in
// <run>/sample_output_data.pt (spec §6.4): made once — `count` dataset indices from torch.randint with a
// generator seeded `seed` (the reference's torch.manual_seed(seed_1) then randint, without touching the
// training's own generator), the teacher's outputs for their poses — and read back by every later session.

#include "inference/distill/pose_source.h"
#include "inference/image/image_io.h"

#include <torch/torch.h>

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace tha4::distill {

struct SampleData {
  torch::Tensor indices;               // (count,) int64
  torch::Tensor poses;                 // (count, 45)
  std::vector<torch::Tensor> outputs;  // the teacher's, in `output_names` order, on the CPU
};

using SampleTeacher = std::function<std::vector<torch::Tensor>(const torch::Tensor& poses)>;

// Reads <run>/sample_output_data.pt when it holds `count` poses and every named output; makes and writes it
// otherwise.
SampleData load_or_make_sample_data(const std::filesystem::path& run, const PoseSource& source, int64_t count,
                                    uint64_t seed, const std::vector<std::string>& output_names,
                                    const SampleTeacher& teacher);

// Writes a sample sheet atomically, creating its folder.
void write_sample_png(const Rgba8Image& sheet, const std::filesystem::path& png);

}  // namespace tha4::distill
