#include "inference/distill/pose_source.h"

#include "inference/util/errors.h"
#include "inference/weights/tensor_archive.h"

#include <array>
#include <random>

namespace tha4::distill {
namespace {

class TensorPoseSource final : public PoseSource {
 public:
  TensorPoseSource(torch::Tensor poses, std::string name) : poses_(std::move(poses)), name_(std::move(name)) {}
  int64_t size() const override { return poses_.size(0); }
  torch::Tensor poses(const std::vector<int64_t>& indices) const override {
    return poses_.index_select(0, torch::tensor(indices, torch::kLong));
  }
  std::string description() const override { return name_ + " (" + std::to_string(size()) + " poses)"; }

 private:
  torch::Tensor poses_;
  std::string name_;
};

class BuiltinPoseSource final : public PoseSource {
 public:
  explicit BuiltinPoseSource(int64_t size) : size_(size) {}
  int64_t size() const override { return size_; }
  torch::Tensor poses(const std::vector<int64_t>& indices) const override {
    torch::Tensor out = torch::empty({static_cast<int64_t>(indices.size()), kPoseSize}, torch::kFloat32);
    for (std::size_t i = 0; i < indices.size(); ++i) {
      const Pose pose = builtin_pose(static_cast<uint64_t>(indices[i]));
      std::copy(pose.begin(), pose.end(), out[static_cast<int64_t>(i)].data_ptr<float>());
    }
    return out;
  }
  std::string description() const override { return "built-in pose sampler (" + std::to_string(size_) + " poses)"; }

 private:
  int64_t size_;
};

// SplitMix64: decorrelates consecutive indices before they seed the generator.
uint64_t mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// A kind of expression: one parameter, or a left/right pair starting at `index`.
struct Kind {
  int index;
  bool pair;
};

class Draw {
 public:
  explicit Draw(uint64_t seed) : engine_(seed) {}
  // Uniform in [0, 1), from the top 24 bits (exact in float).
  float unit() { return static_cast<float>(engine_() >> 40) * (1.0f / 16777216.0f); }
  float symmetric() { return 2.0f * unit() - 1.0f; }
  bool chance(float p) { return unit() < p; }
  int below(int n) { return static_cast<int>(unit() * static_cast<float>(n)); }

  void kind(Pose& pose, const Kind& kind) {
    if (!kind.pair) {
      pose[static_cast<std::size_t>(kind.index)] = unit();
    } else if (chance(0.5f)) {
      pose[static_cast<std::size_t>(kind.index)] = pose[static_cast<std::size_t>(kind.index + 1)] = unit();
    } else {
      pose[static_cast<std::size_t>(kind.index)] = unit();
      pose[static_cast<std::size_t>(kind.index + 1)] = unit();
    }
  }
  template <std::size_t N>
  void group(Pose& pose, float p, const std::array<Kind, N>& kinds) {
    if (chance(p)) kind(pose, kinds[static_cast<std::size_t>(below(static_cast<int>(N)))]);
  }

 private:
  std::mt19937_64 engine_;
};

constexpr uint64_t kSamplerSeed = 0x7448413444697374ull;  // "tHA4Dist"

constexpr std::array<Kind, 6> kEyebrows = {{{0, true}, {2, true}, {4, true}, {6, true}, {8, true}, {10, true}}};
constexpr std::array<Kind, 6> kEyes = {{{12, true}, {14, true}, {16, true}, {18, true}, {20, true}, {22, true}}};
constexpr std::array<Kind, 1> kIrisSmall = {{{24, true}}};
constexpr std::array<Kind, 9> kMouth = {{{26, false},
                                         {27, false},
                                         {28, false},
                                         {29, false},
                                         {30, false},
                                         {31, false},
                                         {32, true},
                                         {34, true},
                                         {36, false}}};
constexpr int kIrisRotationX = 37;
constexpr int kBreathing = 44;

}  // namespace

Pose builtin_pose(uint64_t index) {
  Draw draw(mix(kSamplerSeed ^ mix(index)));
  Pose pose{};
  draw.group(pose, 0.75f, kEyebrows);
  draw.group(pose, 0.75f, kEyes);
  draw.group(pose, 0.5f, kIrisSmall);
  draw.group(pose, 0.75f, kMouth);
  for (int i = kIrisRotationX; i < kBreathing; ++i) pose[static_cast<std::size_t>(i)] = draw.symmetric();
  pose[kBreathing] = draw.unit();
  return pose;
}

std::shared_ptr<const PoseSource> make_builtin_pose_sampler(int64_t size) {
  if (size < 1) throw Error("the built-in pose sampler needs at least one pose");
  return std::make_shared<BuiltinPoseSource>(size);
}

std::shared_ptr<const PoseSource> load_pose_dataset(const std::filesystem::path& file) {
  const std::vector<torch::Tensor> tensors = read_tensor_sequence_archive(file);
  if (tensors.empty()) throw Error(file.string() + ": the pose dataset holds an empty tuple or list");
  const torch::Tensor& first = tensors.front();
  if (first.dim() != 2 || first.size(1) != kPoseSize || first.size(0) < 1) {
    throw Error(file.string() + ": the pose dataset's tensor has shape " + c10::str(first.sizes()) +
                "; it must be (N, 45), one pose per row");
  }
  if (!first.is_floating_point()) {
    throw Error(file.string() + ": the pose dataset must hold floating-point values, not " +
                std::string(c10::toString(first.scalar_type())));
  }
  torch::Tensor poses = first.to(torch::kFloat32).contiguous();
  const torch::Tensor finite = torch::isfinite(poses).all(1);
  if (!finite.all().item<bool>()) {
    const int64_t row = (~finite).nonzero()[0][0].item<int64_t>();
    throw Error(file.string() + ": pose " + std::to_string(row) + " holds a NaN or infinite value");
  }
  return std::make_shared<TensorPoseSource>(std::move(poses), file.filename().string());
}

}  // namespace tha4::distill
