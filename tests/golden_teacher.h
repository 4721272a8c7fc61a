#pragma once
// The teacher goldens of ../shared/golden/teacher/ (README in ../shared/golden): per-network files with
// weights, inputs and outputs of reduced networks, and the five-step pipeline file.

#include "inference/full/full_poser.h"
#include "inference/weights/tensor_archive.h"

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace tha4::test {

struct TeacherNetworkGolden {
  std::string name;                    // the mode_07 key, e.g. "eyebrow_decomposer"
  nlohmann::json json;                 // NAME.json
  std::vector<NamedTensor> weights;    // `weights.<k>` with the prefix removed, in file order
  std::vector<torch::Tensor> inputs;   // input.0, input.1, ...
  std::vector<torch::Tensor> outputs;  // output.0, output.1, ...
};

// golden_dir()/teacher.
std::filesystem::path teacher_golden_dir();

// Every per-network golden (NAME.pt + NAME.json, teacher_pipeline excluded), sorted by name.
std::vector<std::string> teacher_network_golden_names();
TeacherNetworkGolden load_teacher_network_golden(const std::string& name);

// The per-network weights of `name` alone (for building the pipeline's networks).
std::vector<NamedTensor> load_teacher_network_weights(const std::string& name);

// teacher_pipeline.pt/.json: the reduced five-network pipeline's image, poses and stored outputs.
struct TeacherPipelineGolden {
  nlohmann::json json;
  std::vector<NamedTensor> tensors;
  torch::Tensor image;                    // (1, 4, 512, 512)
  torch::Tensor pose;                     // (K, 45)
  torch::Tensor output(int index) const;  // output.<index>: (K, ...), or (1, ...) for pose-independent ones
};
TeacherPipelineGolden load_teacher_pipeline_golden();

// The five networks of the pipeline's configuration with the per-network golden weights, in eval mode, on
// the CPU.
full::FullSystemNetworks load_teacher_pipeline_networks(const TeacherPipelineGolden& golden);

// A teacher network built from its mode_07 name and a reference Args constructor (JSON), with a forward
// that takes the reference forward's positional inputs and returns its output list.
struct BuiltTeacherNetwork {
  std::shared_ptr<torch::nn::Module> module;
  std::function<std::vector<torch::Tensor>(const std::vector<torch::Tensor>&)> forward;
};
BuiltTeacherNetwork build_teacher_network(const std::string& name, const nlohmann::json& args_constructor);

// A teacher weight folder as users have it (the five official file names, storages tagged cuda:0), holding
// the golden's reduced weights; use it with teacher_pipeline.json's sizes.
void write_teacher_weight_folder(const std::filesystem::path& folder);
// teacher_pipeline.json: the reduced sizes of those weights (for --full-config).
std::filesystem::path teacher_pipeline_json();

}  // namespace tha4::test
