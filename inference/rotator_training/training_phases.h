#pragma once
// The phases and the learning-rate schedule of the body-rotator training (seed supplement §2.2–2.3).
//
//   half-resolution rotator: phase 1, 500 K examples, ℓ_L1 = 1, ℓ_percept = 0 (L1 only)
//                            phase 2, 9 M examples,   ℓ_L1 = 1, ℓ_percept = 0.2
//   editor:                  phases 1–2 as the rotator's, as a full-resolution rotator (no coarse inputs)
//                            phase 3, 9 M examples,   λ_L1 = 1, λ_percept = 0.2, with the coarse inputs
//
// Adam β = (0.5, 0.999); the learning rate rises linearly from 0 to 1e-4 over the first 5,000 examples and
// stays there; batch 16. The phase lengths can be shortened (tests, fine-tuning) without changing the rest.

#include <cstdint>
#include <string>
#include <vector>

namespace tha4::rotator_training {

enum class RotatorNetwork { kHalfResRotator, kEditor };

// "rotator" / "editor" (the CLI's words); parse throws Error for anything else.
std::string network_word(RotatorNetwork network);
RotatorNetwork parse_network_word(const std::string& word);
// The weight file and run folder name of the network in mode_07: "body_morpher" / "upscaler".
std::string network_file_stem(RotatorNetwork network);

inline constexpr double kPeakLearningRate = 1e-4;
inline constexpr int64_t kWarmUpExamples = 5'000;
inline constexpr int64_t kDefaultBatchSize = 16;
inline constexpr double kAdamBeta1 = 0.5;
inline constexpr double kAdamBeta2 = 0.999;

struct TrainingPhase {
  int number = 1;         // 1-based
  int64_t begins_at = 0;  // examples seen when it starts
  int64_t ends_at = 0;    // and when the next starts (the run's end for the last)
  double l1_weight = 1;
  double percept_weight = 0;
  bool coarse_inputs = false;  // the editor's phase 3
};

class PhasePlan {
 public:
  // The supplement's lengths: {500 K, 9 M} for the rotator, {500 K, 9 M, 9 M} for the editor.
  static std::vector<int64_t> default_lengths(RotatorNetwork network);
  // Throws Error unless there is one positive length per phase of `network`.
  PhasePlan(RotatorNetwork network, std::vector<int64_t> lengths);

  // The phase the step starting after `examples_seen` examples belongs to (the last one past the end).
  TrainingPhase at(int64_t examples_seen) const;
  int64_t total_examples() const;
  const std::vector<int64_t>& lengths() const { return lengths_; }
  RotatorNetwork network() const { return network_; }

 private:
  RotatorNetwork network_;
  std::vector<int64_t> lengths_;
};

// peak · min(1, examples_seen / warm_up): by default 1e-4 · min(1, examples_seen / 5000). Fine-tuning and the
// tests' tiny runs may change both.
double rotator_learning_rate(int64_t examples_seen, double peak = kPeakLearningRate, int64_t warm_up = kWarmUpExamples);

}  // namespace tha4::rotator_training
