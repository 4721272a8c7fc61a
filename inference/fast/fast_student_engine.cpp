#include "inference/fast/fast_student_engine.h"

#include "inference/fast/cpu_features.h"
#include "inference/util/errors.h"

#include <algorithm>
#include <thread>

namespace tha4::fast {
namespace {

// mode_14's face crop (spec §3.7): rows 80:208, cols 192:320 of the 512×512 character.
constexpr int kFaceTop = 80;
constexpr int kFaceLeft = 192;

int resolve_threads(int threads) {
  return threads > 0 ? threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

std::size_t widest_row(const PackedLevel& level) {
  std::size_t channels = static_cast<std::size_t>(level.first.out_padded);
  for (const auto& layer : level.rest) channels = std::max<std::size_t>(channels, layer.out_padded);
  return channels * static_cast<std::size_t>(level.size);
}

bool same_prefix(const Pose& a, const Pose& b, int count) {
  return std::equal(a.begin(), a.begin() + count, b.begin());
}

}  // namespace

std::string FastStudentEngine::engine_description() const {
  return std::string("CPU fast engine (") + kernels_.name + " kernels), " + std::to_string(threads()) +
         (threads() == 1 ? " thread" : " threads");
}

FastStudentEngine::FastStudentEngine(std::shared_ptr<CharacterModel> model, int threads, const Kernels* kernels)
    : model_(std::move(model)), kernels_(kernels ? *kernels : best_kernels()), pool_(resolve_threads(threads)) {
  if (!model_) throw Error("the fast engine needs a loaded character model");
  if (!model_->device.is_cpu()) throw Error("the fast engine runs on the CPU; load the model on the CPU");
  face_net_ = pack_face_morpher(*model_->face_morpher);
  body_net_ = pack_body_morpher(*model_->body_morpher);
  const int width = body_net_.levels.back().size;
  if (width != model_->image.size(3) || face_net_.siren.size + kFaceLeft > width) {
    throw Error("the character model's network sizes do not match its 512x512 image");
  }

  std::size_t row = widest_row(face_net_.siren);
  for (const auto& level : body_net_.levels) row = std::max(row, widest_row(level));
  scratch_.resize(static_cast<std::size_t>(pool_.size()));
  std::size_t channels = static_cast<std::size_t>(face_net_.siren.first.out_padded);
  for (const auto& level : body_net_.levels) channels = std::max<std::size_t>(channels, level.first.out_padded);
  for (auto& s : scratch_) {
    s.row_bias.resize(channels);
    s.a.resize(row);
    s.b.resize(row);
    s.feature.resize(row);
    s.vertical.resize(row);
    s.head.resize(static_cast<std::size_t>(kOutBlock) * width);
  }
  const torch::Tensor image = model_->image.to(torch::kCPU).contiguous();
  with_face_.assign(image.data_ptr<float>(), image.data_ptr<float>() + image.numel());
  for (std::size_t i = 1; i < body_net_.levels.size(); ++i) {
    const PackedLevel& below = body_net_.levels[i - 1];
    features_.emplace_back(static_cast<std::size_t>(body_net_.levels[i].feature.out_padded) * below.size * below.size);
    taps_.push_back(bilinear_taps(below.size, body_net_.levels[i].size));
  }
}

const float* FastStudentEngine::level_row(const PackedLevel& level, const float* frame_bias, const LowFeatures* low,
                                          int row, Scratch& scratch) const {
  const int size = level.size;
  const int channels = level.first.out_padded;
  // The per-row part of the first layer: frame bias + wy·y (spec §3.9's position/pose folds).
  float* row_bias = scratch.row_bias.data();
  for (int o = 0; o < channels; ++o) row_bias[o] = frame_bias[o] + level.first.wy[o] * level.grid[row];
  const float* feature = nullptr;
  if (low) {
    const std::size_t low_plane = static_cast<std::size_t>(low->size) * low->size;
    kernels_.upsample_row(low->data, low_plane, channels, low->size, (*low->taps)[row], low->taps->data(), size,
                          scratch.vertical.data(), scratch.feature.data(), size);
    feature = scratch.feature.data();
  }
  kernels_.first_layer(row_bias, level.first.wx.data(), level.grid.data(), feature, size, channels, scratch.a.data(),
                       size, size);
  float* x = scratch.a.data();
  float* y = scratch.b.data();
  int in = channels;
  for (const PackedLinear& layer : level.rest) {
    kernels_.linear(layer.weights.data(), layer.bias.data(), in, layer.out_padded, x, size, y, size, size, true);
    std::swap(x, y);
    in = layer.out_padded;
  }
  return x;
}

void FastStudentEngine::run_face(const Pose& pose) {
  const PackedLevel& level = face_net_.siren;
  const PackedLinear& last = face_net_.last;
  const int size = level.size;
  std::vector<float> frame_bias(level.first.out_padded);
  level.first.frame_bias(pose.data(), frame_bias.data());
  torch::Tensor face = torch::empty({1, 4, size, size}, torch::kFloat32);
  float* face_data = face.data_ptr<float>();
  const std::size_t face_plane = static_cast<std::size_t>(size) * size;
  const int image_size = body_net_.levels.back().size;
  const std::size_t image_plane = static_cast<std::size_t>(image_size) * image_size;
  pool_.parallel_for(static_cast<std::size_t>(size), [&](std::size_t begin, std::size_t end, int thread) {
    Scratch& scratch = scratch_[thread];
    for (std::size_t r = begin; r < end; ++r) {
      const int row = static_cast<int>(r);
      const float* x = level_row(level, frame_bias.data(), nullptr, row, scratch);
      kernels_.linear(last.weights.data(), last.bias.data(), last.in, last.out_padded, x, size, scratch.head.data(),
                      size, size, false);
      // The raw face replaces the crop of the character (no blending, no clamping), as in mode_14.
      for (int c = 0; c < 4; ++c) {
        const float* src = scratch.head.data() + static_cast<std::size_t>(c) * size;
        std::copy_n(src, size, face_data + c * face_plane + r * size);
        std::copy_n(src, size, with_face_.data() + c * image_plane + (kFaceTop + r) * image_size + kFaceLeft);
      }
    }
  });
  face_output_ = face;
  face_pose_ = pose;
  has_face_ = true;
}

StudentOutputs FastStudentEngine::run_body(const Pose& pose) {
  std::vector<float> frame_bias;
  for (std::size_t i = 0; i < body_net_.levels.size(); ++i) {
    const PackedLevel& level = body_net_.levels[i];
    const bool last_level = i + 1 == body_net_.levels.size();
    frame_bias.resize(level.first.out_padded);
    level.first.frame_bias(pose.data(), frame_bias.data());
    const LowFeatures low{i > 0 ? features_[i - 1].data() : nullptr, i > 0 ? body_net_.levels[i - 1].size : 0,
                          i > 0 ? &taps_[i - 1] : nullptr};
    if (!last_level) {
      // Apply the next level's feature columns here, at this level's resolution, row by row.
      const PackedLinear& next = body_net_.levels[i + 1].feature;
      float* out = features_[i].data();
      const std::size_t plane = static_cast<std::size_t>(level.size) * level.size;
      pool_.parallel_for(static_cast<std::size_t>(level.size), [&](std::size_t begin, std::size_t end, int thread) {
        for (std::size_t r = begin; r < end; ++r) {
          const float* x =
              level_row(level, frame_bias.data(), i > 0 ? &low : nullptr, static_cast<int>(r), scratch_[thread]);
          kernels_.linear(next.weights.data(), next.bias.data(), next.in, next.out_padded, x, level.size,
                          out + r * level.size, plane, level.size, false);
        }
      });
      continue;
    }
    return run_last_level(level, frame_bias.data(), low);
  }
  throw Error("the body morpher has no levels");
}

StudentOutputs FastStudentEngine::run_last_level(const PackedLevel& level, const float* frame_bias,
                                                 const LowFeatures& low) {
  const PackedLinear& last = body_net_.last;
  const int size = level.size;
  const std::size_t plane = static_cast<std::size_t>(size) * size;
  const auto options = torch::TensorOptions().dtype(torch::kFloat32);
  StudentOutputs outputs;
  outputs[StudentOutput::kBlended] = torch::empty({1, 4, size, size}, options);
  outputs[StudentOutput::kAlpha] = torch::empty({1, 1, size, size}, options);
  outputs[StudentOutput::kColorChange] = torch::empty({1, 4, size, size}, options);
  outputs[StudentOutput::kWarped] = torch::empty({1, 4, size, size}, options);
  outputs[StudentOutput::kGridChange] = torch::empty({1, 2, size, size}, options);
  float* blended = outputs[StudentOutput::kBlended].data_ptr<float>();
  float* alpha = outputs[StudentOutput::kAlpha].data_ptr<float>();
  float* color = outputs[StudentOutput::kColorChange].data_ptr<float>();
  float* warped = outputs[StudentOutput::kWarped].data_ptr<float>();
  float* grid = outputs[StudentOutput::kGridChange].data_ptr<float>();
  pool_.parallel_for(static_cast<std::size_t>(size), [&](std::size_t begin, std::size_t end, int thread) {
    Scratch& scratch = scratch_[thread];
    for (std::size_t r = begin; r < end; ++r) {
      const float* x = level_row(level, frame_bias, &low, static_cast<int>(r), scratch);
      // Head channels: 0-1 grid change (x, y), 2 alpha, 3-6 colour change (spec §3.5).
      float* head = scratch.head.data();
      kernels_.linear(last.weights.data(), last.bias.data(), last.in, last.out_padded, x, size, head, size, size,
                      false);
      const std::size_t offset = r * size;
      const float* dx = head;
      const float* dy = head + size;
      const float* a = head + 2 * size;
      warp_row(with_face_.data(), size, level.grid.data(), level.grid[r], dx, dy, warped + offset, plane);
      std::copy_n(dx, size, grid + offset);
      std::copy_n(dy, size, grid + plane + offset);
      std::copy_n(a, size, alpha + offset);
      for (int c = 0; c < 4; ++c) {
        const float* cc = head + (3 + c) * size;
        float* w = warped + c * plane + offset;
        float* b = blended + c * plane + offset;
        std::copy_n(cc, size, color + c * plane + offset);
        for (int p = 0; p < size; ++p) b[p] = (1.0f - a[p]) * w[p] + a[p] * cc[p];
      }
    }
  });
  return outputs;
}

int64_t FastStudentEngine::multiply_adds_per_frame() const {
  const auto linear_macs = [](const PackedLinear& layer) { return static_cast<int64_t>(layer.in) * layer.out_padded; };
  const auto level_macs = [&](const PackedLevel& level, const PackedLinear& head) {
    int64_t per_pixel = linear_macs(head);
    for (const PackedLinear& layer : level.rest) per_pixel += linear_macs(layer);
    return per_pixel * level.size * level.size;
  };
  int64_t total = level_macs(face_net_.siren, face_net_.last);
  for (std::size_t i = 0; i < body_net_.levels.size(); ++i) {
    const bool last_level = i + 1 == body_net_.levels.size();
    total += level_macs(body_net_.levels[i], last_level ? body_net_.last : body_net_.levels[i + 1].feature);
  }
  return total;
}

StudentOutputs FastStudentEngine::run(const Pose& pose) {
  check_pose_finite(pose);
  if (pose_caches_ && has_frame_ && pose == frame_pose_) return frame_;
  if (!pose_caches_ || !has_face_ || !same_prefix(pose, face_pose_, kFaceMorpherPoseSize)) {
    run_face(pose);
  } else {
    ++face_morphs_skipped_;
  }
  frame_ = run_body(pose);
  frame_[StudentOutput::kFace] = face_output_;
  frame_pose_ = pose;
  has_frame_ = true;
  return frame_;
}

}  // namespace tha4::fast
