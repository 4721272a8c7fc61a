#include "tests/golden_teacher.h"

#include "inference/full/full_poser.h"
#include "inference/full/full_system_config_json.h"
#include "inference/util/errors.h"
#include "inference/weights/state_dict.h"
#include "inference/weights/tensor_archive_writer.h"
#include "tests/test_support.h"

#include <algorithm>
#include <cstdint>

namespace tha4::test {
namespace {

bool starts_with(const std::string& text, const std::string& prefix) { return text.rfind(prefix, 0) == 0; }

// Tensors named <prefix><i> for i = 0, 1, ... in order.
std::vector<torch::Tensor> numbered(const std::vector<NamedTensor>& tensors, const std::string& prefix,
                                    const std::string& source) {
  std::vector<torch::Tensor> result;
  for (std::size_t i = 0;; ++i) {
    const std::string key = prefix + std::to_string(i);
    const bool present =
        std::any_of(tensors.begin(), tensors.end(), [&](const NamedTensor& t) { return t.name == key; });
    if (!present) break;
    result.push_back(find_tensor(tensors, key, source));
  }
  return result;
}

}  // namespace

std::filesystem::path teacher_golden_dir() { return golden_dir() / "teacher"; }

std::vector<std::string> teacher_network_golden_names() {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(teacher_golden_dir())) {
    const auto& path = entry.path();
    if (path.extension() != ".json" || path.stem() == "teacher_pipeline") continue;
    if (std::filesystem::exists(path.parent_path() / (path.stem().string() + ".pt")))
      names.push_back(path.stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<NamedTensor> load_teacher_network_weights(const std::string& name) {
  std::vector<NamedTensor> weights;
  for (auto& tensor : read_tensor_archive(teacher_golden_dir() / (name + ".pt"))) {
    if (starts_with(tensor.name, "weights.")) weights.push_back({tensor.name.substr(8), std::move(tensor.tensor)});
  }
  return weights;
}

torch::Tensor TeacherPipelineGolden::output(int index) const {
  return find_tensor(tensors, "output." + std::to_string(index), "teacher_pipeline.pt");
}

TeacherPipelineGolden load_teacher_pipeline_golden() {
  TeacherPipelineGolden golden;
  golden.json = full::read_json_file(teacher_golden_dir() / "teacher_pipeline.json");
  golden.tensors = read_tensor_archive(teacher_golden_dir() / "teacher_pipeline.pt");
  golden.image = find_tensor(golden.tensors, "image", "teacher_pipeline.pt");
  golden.pose = find_tensor(golden.tensors, "pose", "teacher_pipeline.pt");
  return golden;
}

full::FullSystemNetworks load_teacher_pipeline_networks(const TeacherPipelineGolden& golden) {
  full::FullSystemNetworks networks =
      full::FullSystemNetworks::create(full::full_system_config_from_pipeline_json(golden.json));
  for (const auto& [name, module] : networks.named_modules()) {
    load_state_dict(*module, load_teacher_network_weights(name), name + ".pt");
    module->eval();
  }
  return networks;
}

TeacherNetworkGolden load_teacher_network_golden(const std::string& name) {
  const auto file = teacher_golden_dir() / (name + ".pt");
  const auto tensors = read_tensor_archive(file);
  TeacherNetworkGolden golden;
  golden.name = name;
  golden.json = full::read_json_file(teacher_golden_dir() / (name + ".json"));
  for (const auto& tensor : tensors) {
    if (starts_with(tensor.name, "weights.")) golden.weights.push_back({tensor.name.substr(8), tensor.tensor});
  }
  golden.inputs = numbered(tensors, "input.", file.string());
  golden.outputs = numbered(tensors, "output.", file.string());
  return golden;
}

BuiltTeacherNetwork build_teacher_network(const std::string& name, const nlohmann::json& args) {
  if (name == "eyebrow_decomposer") {
    full::EyebrowDecomposer net(full::eyebrow_decomposer_config_from_json(args));
    return {net.ptr(), [net](const std::vector<torch::Tensor>& in) mutable { return net->forward(in.at(0)); }};
  }
  if (name == "eyebrow_morphing_combiner") {
    full::EyebrowMorphingCombiner net(full::eyebrow_morphing_combiner_config_from_json(args));
    return {net.ptr(),
            [net](const std::vector<torch::Tensor>& in) mutable { return net->forward(in.at(0), in.at(1), in.at(2)); }};
  }
  if (name == "face_morpher") {
    full::FaceMorpher net(full::face_morpher_config_from_json(args));
    return {net.ptr(),
            [net](const std::vector<torch::Tensor>& in) mutable { return net->forward(in.at(0), in.at(1)); }};
  }
  if (name == "body_morpher") {
    full::HalfResRotator net(full::half_res_rotator_config_from_json(args));
    return {net.ptr(),
            [net](const std::vector<torch::Tensor>& in) mutable { return net->forward(in.at(0), in.at(1)); }};
  }
  if (name == "upscaler") {
    full::Editor net(full::editor_config_from_json(args));
    return {net.ptr(), [net](const std::vector<torch::Tensor>& in) mutable {
              return net->forward(in.at(0), in.at(1), in.at(2), in.at(3));
            }};
  }
  throw Error("no teacher network named '" + name + "'");
}

void write_teacher_weight_folder(const std::filesystem::path& folder) {
  std::filesystem::create_directories(folder);
  for (const full::TeacherNetworkNames& names : full::kTeacherNetworks) {
    const std::string name(names.reference_module);  // the golden files are named by the mode_07 key too
    write_tensor_archive(folder / names.weight_file, load_teacher_network_weights(name), "cuda:0");
  }
}

std::filesystem::path teacher_pipeline_json() { return teacher_golden_dir() / "teacher_pipeline.json"; }

}  // namespace tha4::test
