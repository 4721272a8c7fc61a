#pragma once
// The fast CPU student engine: the same six outputs as the reference engine, computed row by row with
// the folded networks (packed_student.h) and fused per-row kernels (kernels.h) on a thread pool, with
// caches keyed on the pose. Quality against the reference is tested (PSNR, display bytes), not bits.

#include "inference/fast/kernels.h"
#include "inference/fast/packed_student.h"
#include "inference/fast/resample.h"
#include "inference/pose/pose.h"
#include "inference/student/character_model.h"
#include "inference/student/student_engine.h"
#include "inference/util/thread_pool.h"

#include <cstdint>
#include <memory>
#include <vector>

namespace tha4::fast {

class FastStudentEngine final : public StudentEngine {
 public:
  // `threads` ≤ 0: every hardware thread. `kernels` null: the widest set this CPU supports.
  FastStudentEngine(std::shared_ptr<CharacterModel> model, int threads, const Kernels* kernels = nullptr);
  std::string_view name() const override { return "fast"; }
  StudentOutputs run(const Pose& pose) override;
  // "CPU fast engine (avx512 kernels), 2 threads": the kernel set is the one this engine picked.
  std::string engine_description() const override;
  const CharacterModel& model() const override { return *model_; }

  const Kernels& kernels() const { return kernels_; }
  // The pose caches (a repeated pose answers at once; the face morpher runs only when its 39 values
  // change) are on by default; benchmarks turn them off to measure what they save.
  void set_pose_caches(bool enabled) { pose_caches_ = enabled; }
  int64_t face_morphs_skipped() const { return face_morphs_skipped_; }
  // Multiply-adds the kernels execute for one frame with both networks (folded, padded layers), the
  // numerator of the fraction of the CPU's peak that `tha4 bench student` reports.
  int64_t multiply_adds_per_frame() const;
  int threads() const { return pool_.size(); }

 private:
  // Per-thread buffers, sized once for the widest row of any level.
  struct Scratch {
    std::vector<float> row_bias;  // frame bias + wy·y of the current row
    std::vector<float> a, b;      // ping-pong activations: channels × row width
    std::vector<float> feature;   // the upsampled feature term of a row
    std::vector<float> vertical;  // the vertical pass of the upsampling
    std::vector<float> head;      // last-linear outputs of a row (kOutBlock × width)
  };

  // The feature term of a level > 0: ω0·W_f·x at the level below's resolution, to be upsampled.
  struct LowFeatures {
    const float* data;
    int size;                      // the level below's S
    const std::vector<Tap>* taps;  // upsampling taps, the same for rows and columns
  };

  void run_face(const Pose& pose);
  StudentOutputs run_body(const Pose& pose);
  StudentOutputs run_last_level(const PackedLevel& level, const float* frame_bias, const LowFeatures& low);
  // One row of a level up to its last sine layer; returns the activations (out_padded × size, ld = size).
  const float* level_row(const PackedLevel& level, const float* frame_bias, const LowFeatures* low, int row,
                         Scratch& scratch) const;

  std::shared_ptr<CharacterModel> model_;
  const Kernels& kernels_;
  ThreadPool pool_;
  PackedFaceMorpher face_net_;
  PackedBodyMorpher body_net_;
  std::vector<Scratch> scratch_;

  std::vector<float> with_face_;              // the character with the current face pasted, planar RGBA
  std::vector<std::vector<float>> features_;  // per level > 0: ω0·W_f·x of the level below, planar
  std::vector<std::vector<Tap>> taps_;        // per level > 0: upsampling taps (rows and columns alike)

  bool pose_caches_ = true;
  int64_t face_morphs_skipped_ = 0;
  bool has_face_ = false;
  Pose face_pose_{};
  torch::Tensor face_output_;
  bool has_frame_ = false;
  Pose frame_pose_{};
  StudentOutputs frame_;
};

}  // namespace tha4::fast
