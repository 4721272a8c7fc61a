#pragma once
// The body-rotator training set (docs/rotator-training.md): examples of (rest image, 6-value body pose, posed
// image), listed in `<dataset>/examples.csv`:
//
//   rest,posed,head_x,head_y,neck_z,body_y,body_z,breathing
//   rest/alice.png,posed/alice_0001.png,0.1,-0.4,0,0.2,0,0.5
//
// Paths are relative to the dataset folder (many examples may share one rest image). Images are 8-bit RGBA
// PNGs of the full training size (512² for the official networks), read with the project's conventions
// (spec §1.1: linear, premultiplied, [−1, 1]); the half-resolution copies are made as mode_07 makes them
// (bilinear, align_corners false). The pose values are the THA4 pose's last six (spec §2), finite.
//
// Every example is checked when the dataset is opened. A bad one (a missing or unreadable picture, the wrong
// size, no alpha, a malformed row) is an error that names every bad row and its file, unless the caller asks
// to skip them; then they are reported and left out.

#include "inference/image/image_io.h"

#include <torch/torch.h>

#include <cstdint>
#include <filesystem>
#include <array>
#include <string>
#include <vector>

namespace tha4::rotator_training {

inline constexpr const char* kExamplesFile = "examples.csv";
inline constexpr int kBodyPoseSize = 6;

// One batch, on the requested device: full size and half size.
struct RotatorBatch {
  torch::Tensor rest, posed;            // (N, 4, S, S)
  torch::Tensor rest_half, posed_half;  // (N, 4, S/2, S/2)
  torch::Tensor pose;                   // (N, 6)
};

// The examples of a batch as read from disk: full-size CPU tensors (what a reader thread prepares).
struct DecodedExamples {
  torch::Tensor rest, posed;  // (N, 4, S, S)
  torch::Tensor pose;         // (N, 6)
};

struct DatasetIssue {
  int64_t line;         // in examples.csv
  std::string message;  // names the file and what is wrong
};

class RotatorDataset {
 public:
  // Reads and checks `<folder>/examples.csv` and every picture it names, which must be `image_size` square.
  // Throws Error listing the bad examples unless `skip_bad_examples`; then `skipped()` lists them. Throws
  // Error when no usable example is left.
  RotatorDataset(const std::filesystem::path& folder, int64_t image_size, bool skip_bad_examples);

  int64_t size() const { return static_cast<int64_t>(examples_.size()); }
  int64_t image_size() const { return image_size_; }
  const std::vector<DatasetIssue>& skipped() const { return skipped_; }

  // The examples at `indices` (each below size()) as one batch on `device`: to_batch(read(indices)).
  RotatorBatch batch(const std::vector<int64_t>& indices, const torch::Device& device) const;
  // The two halves of batch(): decoding (safe to run on another thread, concurrently with anything but
  // destruction), then the move to the device and the half-size copies.
  DecodedExamples read(const std::vector<int64_t>& indices) const;
  RotatorBatch to_batch(const DecodedExamples& examples, const torch::Device& device) const;

 private:
  struct Example {
    std::size_t rest, posed;  // into pictures_
    std::array<float, kBodyPoseSize> pose;
  };
  torch::Tensor picture(std::size_t index) const;

  std::filesystem::path folder_;
  int64_t image_size_;
  std::vector<std::filesystem::path> picture_files_;
  // The decoded pictures, kept while they fit a memory budget; the rest are read again when a batch needs them.
  std::vector<Rgba8Image> pictures_;
  std::vector<Example> examples_;
  std::vector<DatasetIssue> skipped_;
};

// Writes `examples.csv` for the given rows (the test's and tools' synthetic datasets). Paths are written as
// given, relative to `folder`.
struct ExampleRow {
  std::string rest, posed;
  std::array<float, kBodyPoseSize> pose;
};
void write_examples_csv(const std::filesystem::path& folder, const std::vector<ExampleRow>& rows);

}  // namespace tha4::rotator_training
