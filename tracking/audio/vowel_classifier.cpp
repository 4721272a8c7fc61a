#include "tracking/audio/vowel_classifier.h"

#include <algorithm>
#include <cmath>

namespace tha4::tracking {
namespace {

struct Prototype {
  double f1_hz;
  double f2_hz;
};
// Japanese vowels, between adult male and female averages (a female vocal tract scales formants up by
// ~15 %, which log distances absorb). Japanese /u/ is unrounded and often fronted (F2 1200–1800 Hz):
// its F2 sits near /a/'s, and F1 tells them apart; /e/ sits high (F2 1900–2400 Hz), away from /u/.
constexpr std::array<Prototype, kVowelCount> kPrototypes = {{
    {800.0, 1300.0},  // a
    {300.0, 2450.0},  // i
    {350.0, 1500.0},  // u
    {520.0, 2100.0},  // e
    {500.0, 900.0},   // o
}};
// Spread of each prototype in natural-log units (0.22 ≈ ±25 %): neighbouring vowels are 1.5–2.5
// spreads apart, so the nearest one dominates while the one next to it still gets a share.
constexpr double kLogSpreadF1 = 0.22;
constexpr double kLogSpreadF2 = 0.22;

}  // namespace

VowelMix classify_vowel(float f1_hz, float f2_hz) {
  VowelMix mix{};
  if (!(f1_hz > 0.0f) || !(f2_hz > 0.0f) || !std::isfinite(f1_hz) || !std::isfinite(f2_hz)) return mix;
  std::array<double, kVowelCount> log_likelihood{};
  for (std::size_t k = 0; k < kPrototypes.size(); ++k) {
    const double d1 = std::log(f1_hz / kPrototypes[k].f1_hz) / kLogSpreadF1;
    const double d2 = std::log(f2_hz / kPrototypes[k].f2_hz) / kLogSpreadF2;
    log_likelihood[k] = -0.5 * (d1 * d1 + d2 * d2);
  }
  // Softmax, shifted by the maximum so a point far from every prototype still gets finite weights.
  const double best = *std::max_element(log_likelihood.begin(), log_likelihood.end());
  double total = 0.0;
  std::array<double, kVowelCount> weight{};
  for (std::size_t k = 0; k < weight.size(); ++k) {
    weight[k] = std::exp(log_likelihood[k] - best);
    total += weight[k];
  }
  for (std::size_t k = 0; k < weight.size(); ++k) mix[k] = static_cast<float>(weight[k] / total);
  return mix;
}

Vowel dominant_vowel(const VowelMix& mix) {
  return static_cast<Vowel>(std::max_element(mix.begin(), mix.end()) - mix.begin());
}

}  // namespace tha4::tracking
