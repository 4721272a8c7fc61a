#include "inference/rotator_training/training_phases.h"

#include "inference/full/teacher_networks.h"
#include "inference/util/errors.h"

#include <algorithm>

namespace tha4::rotator_training {

std::string network_word(RotatorNetwork network) {
  return network == RotatorNetwork::kHalfResRotator ? "rotator" : "editor";
}

RotatorNetwork parse_network_word(const std::string& word) {
  if (word == "rotator") return RotatorNetwork::kHalfResRotator;
  if (word == "editor") return RotatorNetwork::kEditor;
  throw Error("unknown network \"" + word + "\" (expected rotator or editor)");
}

std::string network_file_stem(RotatorNetwork network) {
  const full::TeacherNetwork teacher = network == RotatorNetwork::kHalfResRotator
                                           ? full::TeacherNetwork::kHalfResRotator
                                           : full::TeacherNetwork::kEditor;
  return std::string(full::names_of(teacher).reference_module);
}

std::vector<int64_t> PhasePlan::default_lengths(RotatorNetwork network) {
  if (network == RotatorNetwork::kHalfResRotator) return {500'000, 9'000'000};
  return {500'000, 9'000'000, 9'000'000};
}

PhasePlan::PhasePlan(RotatorNetwork network, std::vector<int64_t> lengths)
    : network_(network), lengths_(std::move(lengths)) {
  const std::size_t phases = default_lengths(network).size();
  if (lengths_.size() != phases) {
    throw Error("the " + network_word(network) + " trains in " + std::to_string(phases) + " phases; " +
                std::to_string(lengths_.size()) + " phase length(s) given");
  }
  for (const int64_t length : lengths_) {
    if (length < 1) throw Error("phase lengths must be at least 1 example, got " + std::to_string(length));
  }
}

TrainingPhase PhasePlan::at(int64_t examples_seen) const {
  TrainingPhase phase;
  int64_t begins = 0;
  std::size_t index = 0;
  for (; index + 1 < lengths_.size() && examples_seen >= begins + lengths_[index]; ++index) begins += lengths_[index];
  phase.number = static_cast<int>(index) + 1;
  phase.begins_at = begins;
  phase.ends_at = begins + lengths_[index];
  phase.l1_weight = 1.0;
  phase.percept_weight = phase.number == 1 ? 0.0 : 0.2;
  phase.coarse_inputs = network_ == RotatorNetwork::kEditor && phase.number == 3;
  return phase;
}

int64_t PhasePlan::total_examples() const {
  int64_t total = 0;
  for (const int64_t length : lengths_) total += length;
  return total;
}

double rotator_learning_rate(int64_t examples_seen, double peak, int64_t warm_up) {
  if (warm_up <= 0) return peak;
  return peak * std::min(1.0, static_cast<double>(std::max<int64_t>(examples_seen, 0)) / static_cast<double>(warm_up));
}

}  // namespace tha4::rotator_training
