#include "inference/distill/sample_data.h"

#include "inference/util/atomic_file.h"
#include "inference/util/errors.h"
#include "inference/weights/tensor_archive_writer.h"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>

namespace tha4::distill {
namespace {

constexpr const char* kSampleDataFile = "sample_output_data.pt";

std::optional<SampleData> read_sample_data(const std::filesystem::path& file, int64_t count,
                                           const std::vector<std::string>& output_names) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) return std::nullopt;
  try {
    const auto tensors = read_tensor_archive(file);
    SampleData data;
    data.indices = find_tensor(tensors, "indices", file.string());
    data.poses = find_tensor(tensors, "poses", file.string());
    for (const auto& name : output_names) data.outputs.push_back(find_tensor(tensors, name, file.string()));
    const bool shapes_fit = data.indices.numel() == count && data.poses.size(0) == count &&
                            std::all_of(data.outputs.begin(), data.outputs.end(),
                                        [&](const torch::Tensor& t) { return t.dim() > 0 && t.size(0) == count; });
    if (shapes_fit) return data;
  } catch (const Error&) {
    // Unreadable (a kill while it was first written cannot cause this, the write is atomic): made again.
  }
  return std::nullopt;
}

}  // namespace

SampleData load_or_make_sample_data(const std::filesystem::path& run, const PoseSource& source, int64_t count,
                                    uint64_t seed, const std::vector<std::string>& output_names,
                                    const SampleTeacher& teacher) {
  const std::filesystem::path file = run / kSampleDataFile;
  if (auto existing = read_sample_data(file, count, output_names)) return std::move(*existing);

  SampleData data;
  at::Generator generator = at::detail::createCPUGenerator(seed);
  data.indices = torch::randint(source.size(), {count}, generator, torch::TensorOptions().dtype(torch::kLong));
  const auto* index = data.indices.data_ptr<int64_t>();
  data.poses = source.poses(std::vector<int64_t>(index, index + count));
  {
    torch::NoGradGuard no_grad;
    for (auto& output : teacher(data.poses)) data.outputs.push_back(output.detach().to(torch::kCPU).contiguous());
  }
  if (data.outputs.size() != output_names.size()) throw Error("sample data: the teacher gave the wrong outputs");
  std::vector<NamedTensor> tensors{{"indices", data.indices}, {"poses", data.poses}};
  for (std::size_t i = 0; i < output_names.size(); ++i) tensors.push_back({output_names[i], data.outputs[i]});
  std::filesystem::create_directories(run);
  write_tensor_archive(file, tensors);
  return data;
}

void write_sample_png(const Rgba8Image& sheet, const std::filesystem::path& png) {
  std::error_code ec;
  std::filesystem::create_directories(png.parent_path(), ec);
  if (ec) throw Error("cannot create " + png.parent_path().string() + ": " + ec.message());
  write_file_atomically(png, encode_png(sheet));
}

}  // namespace tha4::distill
