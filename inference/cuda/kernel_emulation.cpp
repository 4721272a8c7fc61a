#include "inference/cuda/kernel_emulation.h"

#include "inference/cuda/kernel_math.h"
#include "inference/util/errors.h"
#include "inference/util/thread_pool.h"

#include <algorithm>

namespace tha4::gpu {
namespace {

// A linear layer's weights as the kernels read them: fp32, or rounded to binary16 for balanced.
struct EmulatedLinear {
  const GpuLinear* layer;
  std::vector<float> weights;
};

EmulatedLinear prepare(const GpuLinear& layer, Precision precision) {
  EmulatedLinear emulated{&layer, layer.weights};
  if (precision == Precision::kBalanced) {
    for (float& w : emulated.weights) w = round_to_half(w);
  }
  return emulated;
}

float store_activation(float v, Precision precision) {
  return precision == Precision::kBalanced ? round_to_half(v) : v;
}

// out[o][p] for one row of `width` pixels; `in` is [layer.in][width]. See kernel_emulation.h for the order.
void linear_row(const EmulatedLinear& linear, Precision precision, bool sine, const float* in, float* out, int width) {
  const GpuLinear& layer = *linear.layer;
  for (int o = 0; o < layer.out; ++o) {
    float* acc = out + static_cast<std::size_t>(o) * width;
    const float* w = linear.weights.data() + static_cast<std::size_t>(o) * layer.in;
    std::fill(acc, acc + width, precision == Precision::kQuality ? layer.bias[o] : 0.0f);
    for (int k = 0; k < layer.in; ++k) {
      const float wk = w[k];
      const float* x = in + static_cast<std::size_t>(k) * width;
      for (int p = 0; p < width; ++p) acc[p] = add(acc[p], mul(wk, x[p]));
    }
    for (int p = 0; p < width; ++p) {
      const float pre = precision == Precision::kQuality ? acc[p] : add(acc[p], layer.bias[o]);
      acc[p] = sine ? store_activation(fast_sin(pre), precision) : pre;
    }
  }
}

struct Scratch {
  std::vector<float> a, b;
};

class LevelEmulator {
 public:
  LevelEmulator(const GpuLevel& level, Precision precision)
      : level_(level), precision_(precision), head_(prepare(level.head, precision)) {
    for (const auto& layer : level.rest) rest_.push_back(prepare(layer, precision));
  }

  // The head's outputs for one row: [head.out][S]. `low` is the level below's feature planes or null.
  void row(const float* frame_bias, const float* low, int row, Scratch& scratch, float* head_out) const {
    const int size = level_.size;
    const std::size_t widest = static_cast<std::size_t>(level_.widest()) * size;
    scratch.a.resize(widest);
    scratch.b.resize(widest);
    float* x = scratch.a.data();
    float* y = scratch.b.data();
    const BilinearTap row_tap = low ? bilinear_tap(row, level_.low_size, size) : BilinearTap{};
    const std::size_t low_plane = static_cast<std::size_t>(level_.low_size) * level_.low_size;
    for (int o = 0; o < level_.channels; ++o) {
      const float row_bias = add(frame_bias[o], mul(level_.wy[o], level_.grid[row]));
      for (int p = 0; p < size; ++p) {
        float pre = add(row_bias, mul(level_.wx[o], level_.grid[p]));
        if (low) {
          pre = add(pre,
                    upsample_at(low + o * low_plane, level_.low_size, row_tap, bilinear_tap(p, level_.low_size, size)));
        }
        x[static_cast<std::size_t>(o) * size + p] = store_activation(fast_sin(pre), precision_);
      }
    }
    for (const auto& layer : rest_) {
      linear_row(layer, precision_, true, x, y, size);
      std::swap(x, y);
    }
    linear_row(head_, precision_, false, x, head_out, size);
  }

 private:
  const GpuLevel& level_;
  Precision precision_;
  std::vector<EmulatedLinear> rest_;
  EmulatedLinear head_;
};

// Rows of a level that the rows [begin, end) of the level above read through bilinear upsampling.
std::pair<int, int> rows_below(int begin, int end, int below_size, int above_size) {
  int lo = below_size, hi = 0;
  for (int r = begin; r < end; ++r) {
    const BilinearTap tap = bilinear_tap(r, below_size, above_size);
    lo = std::min(lo, tap.i0);
    hi = std::max(hi, tap.i1 + 1);
  }
  return {lo, hi};
}

}  // namespace

EmulatedFrame emulate_frame(const GpuNetworks& networks, const float* character, const Pose& pose, Precision precision,
                            int row_begin, int row_end, int threads) {
  if (networks.body.empty()) throw Error("emulate_frame: no body levels");
  const GpuLevel& last = networks.body.back();
  const int size = last.size;
  if (row_begin < 0 || row_end > size || row_begin >= row_end) throw Error("emulate_frame: bad row band");
  ThreadPool pool(threads);
  std::vector<Scratch> scratch(static_cast<std::size_t>(pool.size()));
  const std::size_t plane = static_cast<std::size_t>(size) * size;

  EmulatedFrame frame;
  frame.size = size;
  frame.row_begin = row_begin;
  frame.row_end = row_end;

  // Face morpher, every row; its raw output replaces the crop (spec §3.7).
  std::vector<float> image(character, character + 4 * plane);
  {
    const GpuLevel& face = networks.face;
    const LevelEmulator emulator(face, precision);
    const std::vector<float> bias = frame_bias(face, pose.data());
    const std::size_t face_plane = static_cast<std::size_t>(face.size) * face.size;
    frame.face.assign(4 * face_plane, 0.0f);
    pool.parallel_for(static_cast<std::size_t>(face.size), [&](std::size_t begin, std::size_t end, int thread) {
      std::vector<float> head(static_cast<std::size_t>(face.head.out) * face.size);
      for (std::size_t r = begin; r < end; ++r) {
        emulator.row(bias.data(), nullptr, static_cast<int>(r), scratch[thread], head.data());
        for (int c = 0; c < 4; ++c) {
          const float* src = head.data() + static_cast<std::size_t>(c) * face.size;
          std::copy_n(src, face.size, frame.face.data() + c * face_plane + r * face.size);
          std::copy_n(src, face.size, image.data() + c * plane + (kFaceTop + r) * size + kFaceLeft);
        }
      }
    });
  }

  // Which rows each body level computes: level 0 in full, the others as the band above needs.
  const std::size_t levels = networks.body.size();
  std::vector<std::pair<int, int>> rows(levels);
  rows[levels - 1] = {row_begin, row_end};
  for (std::size_t i = levels - 1; i > 0; --i) {
    rows[i - 1] = rows_below(rows[i].first, rows[i].second, networks.body[i - 1].size, networks.body[i].size);
  }
  rows[0] = {0, networks.body[0].size};

  std::vector<float> low;  // the previous level's feature planes
  const int band = row_end - row_begin;
  frame.blended.assign(4 * static_cast<std::size_t>(band) * size, 0.0f);
  for (std::size_t i = 0; i < levels; ++i) {
    const GpuLevel& level = networks.body[i];
    const LevelEmulator emulator(level, precision);
    const std::vector<float> bias = frame_bias(level, pose.data());
    const std::size_t level_plane = static_cast<std::size_t>(level.size) * level.size;
    const bool final_level = i + 1 == levels;
    std::vector<float> features(final_level ? 0 : static_cast<std::size_t>(level.head.out) * level_plane, 0.0f);
    const int first_row = rows[i].first;
    pool.parallel_for(static_cast<std::size_t>(rows[i].second - first_row),
                      [&](std::size_t begin, std::size_t end, int thread) {
                        std::vector<float> head(static_cast<std::size_t>(level.head.out) * level.size);
                        for (std::size_t k = begin; k < end; ++k) {
                          const int r = first_row + static_cast<int>(k);
                          emulator.row(bias.data(), i > 0 ? low.data() : nullptr, r, scratch[thread], head.data());
                          if (!final_level) {
                            for (int c = 0; c < level.head.out; ++c) {
                              std::copy_n(head.data() + static_cast<std::size_t>(c) * level.size, level.size,
                                          features.data() + c * level_plane + static_cast<std::size_t>(r) * level.size);
                            }
                            continue;
                          }
                          // Head channels: 0-1 grid change, 2 alpha, 3-6 colour change; warp and blend as the kernel
                          // does.
                          for (int p = 0; p < size; ++p) {
                            const auto at = [&](int c) { return head[static_cast<std::size_t>(c) * size + p]; };
                            float warped[4];
                            warp_pixel(image.data(), size, level.grid[p], level.grid[r], at(0), at(1), warped);
                            for (int c = 0; c < 4; ++c) {
                              frame.blended[(static_cast<std::size_t>(c) * band + (r - row_begin)) * size + p] =
                                  blend(at(2), warped[c], at(3 + c));
                            }
                          }
                        }
                      });
    low = std::move(features);
  }
  return frame;
}

}  // namespace tha4::gpu
