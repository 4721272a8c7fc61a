#include "tracking/network/mouth_vowel_decomposition.h"

#include <algorithm>
#include <cmath>

namespace tha4::tracking {
namespace {

constexpr double kL1Weight = 0.01;
// The basis rows A, I, U, O in (open, lower down, funnel, pucker) space.
constexpr std::array<std::array<double, 4>, 4> kVowelRows = {{
    {1.0, 1.0, 0.0, 0.0},
    {0.0, 1.0, 0.0, 0.0},
    {0.5, 0.3, 0.25, 0.75},
    {1.0, 0.5, 0.5, 0.4},
}};
// Smooths the Euclidean norm at a zero residual, so that coordinate descent cannot stall on the kink
// (a smooth convex objective with box constraints converges under exact coordinate minimisation).
constexpr double kSmoothing = 1e-7;
constexpr int kMaxSweeps = 1000;
constexpr double kConvergedStep = 1e-10;

double dot(const std::array<double, 4>& a, const std::array<double, 4>& b) {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2] + a[3] * b[3];
}

// Minimises sqrt(‖r0 + t·m‖² + ε²) + λ·t over t ∈ [0, 1]. Setting the derivative to zero with
// s = a·t + b gives s² (a − λ²) = λ² (a·c' − b²), and s must be negative; convexity makes the
// clamped stationary point the constrained minimum.
double minimise_along(const std::array<double, 4>& r0, const std::array<double, 4>& m) {
  const double a = dot(m, m);
  const double b = dot(m, r0);
  const double c = dot(r0, r0) + kSmoothing * kSmoothing;
  const double discriminant = std::max(0.0, a * c - b * b);
  const double s = -kL1Weight * std::sqrt(discriminant / (a - kL1Weight * kL1Weight));
  return std::clamp((s - b) / a, 0.0, 1.0);
}

}  // namespace

VowelWeights decompose_mouth_vowels(const MouthPoint& mouth) {
  // Starts where the reference's optimiser starts (d = 0, spec §7.2).
  std::array<double, 4> d{};
  std::array<double, 4> residual{};  // Σ d_k·row_k − q
  for (int j = 0; j < 4; ++j) residual[j] = -static_cast<double>(mouth[j]);

  for (int sweep = 0; sweep < kMaxSweeps; ++sweep) {
    double largest_step = 0.0;
    for (int k = 0; k < 4; ++k) {
      const auto& row = kVowelRows[k];
      std::array<double, 4> without_k{};
      for (int j = 0; j < 4; ++j) without_k[j] = residual[j] - d[k] * row[j];
      const double updated = minimise_along(without_k, row);
      largest_step = std::max(largest_step, std::abs(updated - d[k]));
      d[k] = updated;
      for (int j = 0; j < 4; ++j) residual[j] = without_k[j] + updated * row[j];
    }
    if (largest_step < kConvergedStep) break;
  }
  return {static_cast<float>(d[0]), static_cast<float>(d[1]), static_cast<float>(d[2]), static_cast<float>(d[3])};
}

double mouth_vowel_cost(const MouthPoint& mouth, const VowelWeights& weights) {
  double squared = 0.0;
  double l1 = 0.0;
  for (int j = 0; j < 4; ++j) {
    double value = -static_cast<double>(mouth[j]);
    for (int k = 0; k < 4; ++k) value += static_cast<double>(weights[k]) * kVowelRows[k][j];
    squared += value * value;
    l1 += std::abs(static_cast<double>(weights[j]));
  }
  return std::sqrt(squared) + kL1Weight * l1;
}

}  // namespace tha4::tracking
