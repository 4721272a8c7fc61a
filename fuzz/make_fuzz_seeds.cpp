// Writes the seed corpora of the fuzz targets that read binary files (weight files, pictures, the
// teacher's configuration) into a folder, one subfolder per target. Seeds are made here instead of being
// checked in: small archives written by the project's own torch.save writer, small pictures of every PNG
// kind, and, when ../shared is there, the real files (the data.pkl of every real weight file, the teacher's
// configurations, the character pictures scaled down). Nothing from ../shared enters the repository.
//
//   make_fuzz_seeds OUT_DIR [SHARED_DIR]

#include "inference/image/image_io.h"
#include "inference/weights/tensor_archive_writer.h"

#include <caffe2/serialize/inline_container.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

namespace fs = std::filesystem;

namespace {

void write_bytes(const fs::path& file, const std::string& bytes) {
  fs::create_directories(file.parent_path());
  std::ofstream(file, std::ios::binary) << bytes;
}

std::string read_bytes(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The data.pkl record of a torch.save archive.
std::string pickle_of(const fs::path& archive) {
  caffe2::serialize::PyTorchStreamReader reader(archive.string());
  const auto [data, size] = reader.getRecord("data.pkl");
  return {static_cast<const char*>(data.get()), size};
}

void write_archive_seeds(const fs::path& out) {
  using tha4::NamedTensor;
  const fs::path archives = out / "fuzz_tensor_archive";
  torch::manual_seed(0);
  const std::vector<std::pair<std::string, std::vector<NamedTensor>>> dicts = {
      {"float_dict_cuda.pt", {{"weight", torch::randn({3, 2})}, {"bias", torch::randn({3})}}},
      {"mixed_dtypes.pt",
       {{"half", torch::randn({2, 2}).to(torch::kHalf)},
        {"bfloat", torch::randn({4}).to(torch::kBFloat16)},
        {"index", torch::arange(5)},
        {"mask", torch::tensor({true, false, true})},
        {"bytes", torch::arange(6, torch::kUInt8)},
        {"scalar", torch::tensor(1.5)}}},
      {"empty_tensor.pt", {{"nothing", torch::empty({0, 4})}}},
  };
  for (const auto& [name, tensors] : dicts) {
    const std::string bytes = tha4::tensor_archive_bytes(tensors, name == "float_dict_cuda.pt" ? "cuda:0" : "cpu");
    write_bytes(archives / name, bytes);
  }
  tha4::write_tensor_sequence_archive(archives / "tuple.pt", {torch::randn({2, 45}), torch::randn({2, 45})},
                                      tha4::TensorSequenceKind::kTuple);
  tha4::write_tensor_sequence_archive(archives / "list.pt", {torch::randn({1, 45})}, tha4::TensorSequenceKind::kList);
  tha4::write_tensor_sequence_archive(archives / "lone.pt", {torch::randn({3})}, tha4::TensorSequenceKind::kTensor);
  for (const auto& entry : fs::directory_iterator(archives)) {
    fs::create_directories(out / "fuzz_zip_check");
    fs::copy_file(entry.path(), out / "fuzz_zip_check" / entry.path().filename(), fs::copy_options::overwrite_existing);
    write_bytes(out / "fuzz_pickle_reader" / (entry.path().stem().string() + ".pkl"), pickle_of(entry.path()));
  }
}

void write_png_seed(const fs::path& file, const cv::Mat& mat) {
  std::vector<std::uint8_t> png;
  cv::imencode(".png", mat, png);
  write_bytes(file, std::string(png.begin(), png.end()));
}

void write_picture_seeds(const fs::path& out) {
  const fs::path pictures = out / "fuzz_png_image";
  cv::Mat rgba(16, 16, CV_8UC4);
  cv::randu(rgba, 0, 255);
  write_png_seed(pictures / "rgba8.png", rgba);
  write_png_seed(pictures / "rgb8.png", cv::Mat(8, 8, CV_8UC3, cv::Scalar(10, 20, 30)));
  write_png_seed(pictures / "grey8.png", cv::Mat(8, 8, CV_8UC1, cv::Scalar(100)));
  write_png_seed(pictures / "rgba16.png", cv::Mat(8, 8, CV_16UC4, cv::Scalar(1000, 2000, 3000, 4000)));
}

void write_shared_seeds(const fs::path& out, const fs::path& shared) {
  for (const auto& entry : fs::recursive_directory_iterator(shared / "models")) {
    if (entry.path().extension() == ".pt") {
      const std::string name = entry.path().parent_path().filename().string() + "_" + entry.path().stem().string();
      write_bytes(out / "fuzz_pickle_reader" / (name + ".pkl"), pickle_of(entry.path()));
    }
    if (entry.path().filename() == "character.png") {
      // The real picture, scaled down so that the fuzzer mutates a small input.
      const tha4::Rgba8Image image = tha4::read_rgba8_image(entry.path());
      cv::Mat rgba(image.height, image.width, CV_8UC4, const_cast<std::uint8_t*>(image.pixels.data()));
      cv::Mat small;
      cv::resize(rgba, small, cv::Size(32, 32), 0, 0, cv::INTER_AREA);
      const std::string name = entry.path().parent_path().filename().string() + "_character_32.png";
      write_png_seed(out / "fuzz_png_image" / name, small);
    }
  }
  for (const auto& entry : fs::directory_iterator(shared / "golden" / "teacher")) {
    if (entry.path().extension() == ".pt") {
      write_bytes(out / "fuzz_pickle_reader" / ("teacher_" + entry.path().stem().string() + ".pkl"),
                  pickle_of(entry.path()));
    }
  }
  // The five networks' Args, without the golden's tensors and poses.
  const nlohmann::json pipeline =
      nlohmann::json::parse(read_bytes(shared / "golden" / "teacher" / "teacher_pipeline.json"));
  nlohmann::json networks;
  networks["networks"] = pipeline.at("networks");
  write_bytes(out / "fuzz_full_system_config" / "teacher_pipeline_networks.json", networks.dump());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: make_fuzz_seeds OUT_DIR [SHARED_DIR]\n";
    return 2;
  }
  try {
    const fs::path out = argv[1];
    write_archive_seeds(out);
    write_picture_seeds(out);
    if (argc > 2 && fs::is_directory(fs::path(argv[2]) / "models")) write_shared_seeds(out, argv[2]);
  } catch (const std::exception& error) {
    std::cerr << "make_fuzz_seeds: " << error.what() << "\n";
    return 1;
  }
  return 0;
}
