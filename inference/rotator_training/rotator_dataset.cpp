#include "inference/rotator_training/rotator_dataset.h"

#include "inference/full/full_poser.h"
#include "inference/util/atomic_file.h"
#include "inference/util/errors.h"

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

namespace tha4::rotator_training {
namespace {

namespace fs = std::filesystem;

constexpr const char* kHeader = "rest,posed,head_x,head_y,neck_z,body_y,body_z,breathing";
constexpr std::size_t kColumns = 2 + kBodyPoseSize;
// Decoded 8-bit pictures kept in memory (2 GiB: two thousand 512² pictures); beyond it they are re-read.
constexpr std::size_t kPictureCacheBytes = std::size_t{2} << 30;
constexpr std::size_t kMaxIssuesListed = 20;

std::vector<std::string> split_row(const std::string& line) {
  std::vector<std::string> fields;
  std::string field;
  std::istringstream in(line);
  while (std::getline(in, field, ',')) fields.push_back(field);
  if (!line.empty() && line.back() == ',') fields.emplace_back();
  return fields;
}

bool parse_finite(const std::string& text, float& value) {
  if (text.empty()) return false;
  char* end = nullptr;
  const double parsed = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || !std::isfinite(parsed)) return false;
  value = static_cast<float>(parsed);
  return true;
}

Rgba8Image read_checked(const fs::path& file, int64_t size) {
  Rgba8Image image = read_rgba8_image(file);
  if (image.width != size || image.height != size) {
    throw ImageError(file.string() + " is " + std::to_string(image.width) + "x" + std::to_string(image.height) +
                     ", the networks being trained take " + std::to_string(size) + "x" + std::to_string(size));
  }
  return image;
}

}  // namespace

RotatorDataset::RotatorDataset(const fs::path& folder, int64_t image_size, bool skip_bad_examples)
    : folder_(folder), image_size_(image_size) {
  const fs::path csv = folder / kExamplesFile;
  std::ifstream in(csv);
  if (!in) {
    throw Error("no training examples: " + csv.string() + " cannot be read (a dataset folder holds " + kExamplesFile +
                " and the pictures it names; docs/rotator-training.md)");
  }
  std::string line;
  if (!std::getline(in, line)) line.clear();
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (line != kHeader) {
    throw Error(csv.string() + ": the first line must be the header \"" + kHeader + "\"");
  }
  std::map<std::string, std::size_t> picture_index;
  std::vector<std::string> picture_errors;  // per picture, empty when it loaded
  std::size_t cached_bytes = 0;
  auto picture_of = [&](const std::string& relative) -> std::size_t {
    const auto [it, inserted] = picture_index.emplace(relative, picture_files_.size());
    if (!inserted) return it->second;
    const fs::path file = folder / relative;
    picture_files_.push_back(file);
    pictures_.emplace_back();
    picture_errors.emplace_back();
    try {
      Rgba8Image image = read_checked(file, image_size_);
      if (cached_bytes + image.pixels.size() <= kPictureCacheBytes) {
        cached_bytes += image.pixels.size();
        pictures_.back() = std::move(image);
      }
    } catch (const Error& e) {
      picture_errors.back() = e.what();
    }
    return it->second;
  };

  std::vector<DatasetIssue> issues;
  for (int64_t number = 2; std::getline(in, line); ++number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    const std::vector<std::string> fields = split_row(line);
    if (fields.size() != kColumns) {
      issues.push_back({number, "expected " + std::to_string(kColumns) + " comma-separated fields, found " +
                                    std::to_string(fields.size())});
      continue;
    }
    Example example{};
    std::string problem;
    for (int i = 0; i < kBodyPoseSize; ++i) {
      if (!parse_finite(fields[2 + static_cast<std::size_t>(i)], example.pose[static_cast<std::size_t>(i)])) {
        problem = "pose value " + std::to_string(i + 1) + " \"" + fields[2 + static_cast<std::size_t>(i)] +
                  "\" is not a finite number";
        break;
      }
    }
    if (problem.empty() && (fields[0].empty() || fields[1].empty())) problem = "a picture path is empty";
    if (problem.empty()) {
      example.rest = picture_of(fields[0]);
      example.posed = picture_of(fields[1]);
      for (const std::size_t picture : {example.rest, example.posed}) {
        if (problem.empty() && !picture_errors[picture].empty()) problem = picture_errors[picture];
      }
    }
    if (!problem.empty()) {
      issues.push_back({number, problem});
      continue;
    }
    examples_.push_back(example);
  }
  if (!issues.empty() && !skip_bad_examples) {
    std::string message = csv.string() + ": " + std::to_string(issues.size()) + " bad example(s):";
    for (std::size_t i = 0; i < issues.size() && i < kMaxIssuesListed; ++i) {
      message += "\n  line " + std::to_string(issues[i].line) + ": " + issues[i].message;
    }
    if (issues.size() > kMaxIssuesListed)
      message += "\n  ... and " + std::to_string(issues.size() - kMaxIssuesListed) + " more";
    throw Error(message + "\nFix them, or pass --skip-bad-examples to train on the others.");
  }
  skipped_ = std::move(issues);
  if (examples_.empty()) throw Error(csv.string() + " lists no usable example");
}

torch::Tensor RotatorDataset::picture(std::size_t index) const {
  if (!pictures_[index].empty()) return rgba8_to_tensor(pictures_[index]);
  return rgba8_to_tensor(read_checked(picture_files_[index], image_size_));  // beyond the cache: read again
}

RotatorBatch RotatorDataset::batch(const std::vector<int64_t>& indices, const torch::Device& device) const {
  return to_batch(read(indices), device);
}

DecodedExamples RotatorDataset::read(const std::vector<int64_t>& indices) const {
  std::vector<torch::Tensor> rest, posed, pose;
  for (const int64_t index : indices) {
    if (index < 0 || index >= size())
      throw Error("rotator dataset: example " + std::to_string(index) + " out of range");
    const Example& example = examples_[static_cast<std::size_t>(index)];
    rest.push_back(picture(example.rest));
    posed.push_back(picture(example.posed));
    pose.push_back(torch::tensor(std::vector<float>(example.pose.begin(), example.pose.end())));
  }
  return {torch::stack(rest), torch::stack(posed), torch::stack(pose)};
}

RotatorBatch RotatorDataset::to_batch(const DecodedExamples& examples, const torch::Device& device) const {
  RotatorBatch batch;
  batch.rest = examples.rest.to(device);
  batch.posed = examples.posed.to(device);
  batch.pose = examples.pose.to(device);
  batch.rest_half = full::resize_bilinear(batch.rest, image_size_ / 2);
  batch.posed_half = full::resize_bilinear(batch.posed, image_size_ / 2);
  return batch;
}

void write_examples_csv(const fs::path& folder, const std::vector<ExampleRow>& rows) {
  std::ostringstream out;
  out.precision(9);
  out << kHeader << "\n";
  for (const ExampleRow& row : rows) {
    out << row.rest << "," << row.posed;
    for (const float value : row.pose) out << "," << value;
    out << "\n";
  }
  write_file_atomically(folder / kExamplesFile, out.str());
}

}  // namespace tha4::rotator_training
