#include "tests/golden_teacher.h"

#include "inference/full/full_poser.h"
#include "inference/full/full_system_config_json.h"
#include "inference/util/errors.h"
#include "inference/weights/state_dict.h"
#include "tests/test_support.h"

#include <caffe2/serialize/inline_container.h>

#include <algorithm>
#include <cstdint>

namespace tha4::test {
namespace {

bool starts_with(const std::string& text, const std::string& prefix) { return text.rfind(prefix, 0) == 0; }

// Pickle opcodes for write_tensor_archive.
std::string le32(std::uint32_t value) {
  std::string text;
  for (int i = 0; i < 4; ++i) text += static_cast<char>((value >> (8 * i)) & 0xff);
  return text;
}
std::string unicode(const std::string& text) { return "X" + le32(static_cast<std::uint32_t>(text.size())) + text; }
std::string global(const std::string& module, const std::string& name) { return "c" + module + "\n" + name + "\n"; }
std::string binint(std::int32_t value) { return "J" + le32(static_cast<std::uint32_t>(value)); }
std::string int_tuple(const std::vector<std::int32_t>& values) {
  std::string text = "(";
  for (const auto value : values) text += binint(value);
  return text + "t";
}

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
    if (std::filesystem::exists(path.parent_path() / (path.stem().string() + ".pt"))) names.push_back(path.stem().string());
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
  golden.json = read_json_file(teacher_golden_dir() / "teacher_pipeline.json");
  golden.tensors = read_tensor_archive(teacher_golden_dir() / "teacher_pipeline.pt");
  golden.image = find_tensor(golden.tensors, "image", "teacher_pipeline.pt");
  golden.pose = find_tensor(golden.tensors, "pose", "teacher_pipeline.pt");
  return golden;
}

FullSystemNetworks load_teacher_pipeline_networks(const TeacherPipelineGolden& golden) {
  FullSystemNetworks networks = FullSystemNetworks::create(full_system_config_from_pipeline_json(golden.json));
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
  golden.json = read_json_file(teacher_golden_dir() / (name + ".json"));
  for (const auto& tensor : tensors) {
    if (starts_with(tensor.name, "weights.")) golden.weights.push_back({tensor.name.substr(8), tensor.tensor});
  }
  golden.inputs = numbered(tensors, "input.", file.string());
  golden.outputs = numbered(tensors, "output.", file.string());
  return golden;
}

BuiltTeacherNetwork build_teacher_network(const std::string& name, const nlohmann::json& args) {
  if (name == "eyebrow_decomposer") {
    EyebrowDecomposer net(eyebrow_decomposer_config_from_json(args));
    return {net.ptr(), [net](const std::vector<torch::Tensor>& in) mutable { return net->forward(in.at(0)); }};
  }
  if (name == "eyebrow_morphing_combiner") {
    EyebrowMorphingCombiner net(eyebrow_morphing_combiner_config_from_json(args));
    return {net.ptr(),
            [net](const std::vector<torch::Tensor>& in) mutable { return net->forward(in.at(0), in.at(1), in.at(2)); }};
  }
  if (name == "face_morpher") {
    FaceMorpher net(face_morpher_config_from_json(args));
    return {net.ptr(), [net](const std::vector<torch::Tensor>& in) mutable { return net->forward(in.at(0), in.at(1)); }};
  }
  if (name == "body_morpher") {
    HalfResRotator net(half_res_rotator_config_from_json(args));
    return {net.ptr(), [net](const std::vector<torch::Tensor>& in) mutable { return net->forward(in.at(0), in.at(1)); }};
  }
  if (name == "upscaler") {
    Editor net(editor_config_from_json(args));
    return {net.ptr(), [net](const std::vector<torch::Tensor>& in) mutable {
              return net->forward(in.at(0), in.at(1), in.at(2), in.at(3));
            }};
  }
  throw Error("no teacher network named '" + name + "'");
}

void write_tensor_archive(const std::filesystem::path& file, const std::vector<NamedTensor>& tensors) {
  // torch.save's layout: data.pkl (a protocol-2 pickle of {name: _rebuild_tensor_v2(...)}) and one storage
  // record per tensor, tagged cuda:0 as the official files are.
  std::string pickle = "\x80\x02}(";
  std::vector<torch::Tensor> storages;
  for (const auto& [name, tensor] : tensors) {
    const torch::Tensor data = tensor.to(torch::kCPU, torch::kFloat32).contiguous();
    const std::string key = std::to_string(storages.size());
    std::vector<std::int32_t> sizes, strides;
    for (const int64_t size : data.sizes()) sizes.push_back(static_cast<std::int32_t>(size));
    for (const int64_t stride : data.strides()) strides.push_back(static_cast<std::int32_t>(stride));
    pickle += unicode(name) + global("torch._utils", "_rebuild_tensor_v2") + "((" + unicode("storage") +
              global("torch", "FloatStorage") + unicode(key) + unicode("cuda:0") +
              binint(static_cast<std::int32_t>(data.numel())) + "tQ" + binint(0) + int_tuple(sizes) +
              int_tuple(strides) + "\x89" + global("collections", "OrderedDict") + ")RtR";
    storages.push_back(data);
  }
  pickle += "u.";
  caffe2::serialize::PyTorchStreamWriter writer(file.string());
  writer.writeRecord("data.pkl", pickle.data(), pickle.size());
  for (std::size_t i = 0; i < storages.size(); ++i) {
    writer.writeRecord("data/" + std::to_string(i), storages[i].data_ptr(),
                       static_cast<std::size_t>(storages[i].numel()) * sizeof(float));
  }
  writer.writeEndOfFile();
}

}  // namespace tha4::test
