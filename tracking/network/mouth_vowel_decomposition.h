#pragma once
// The vowel decomposition of spec §7.2: an open mouth is written as a mix of the A, I, U and O mouth
// shapes, d ∈ [0, 1]^4 minimising ‖Σ_k d_k·row_k − q‖₂ + 0.01·‖d‖₁.

#include <array>

namespace tha4::tracking {

// q: [mouth open (0..1), mouthLowerDown left + right clamped to 0..1, mouthFunnel, mouthPucker].
using MouthPoint = std::array<float, 4>;
// d: weights of the A, I, U and O rows, each in [0, 1].
using VowelWeights = std::array<float, 4>;

VowelWeights decompose_mouth_vowels(const MouthPoint& mouth);

// The objective being minimised (exposed so tests can check optimality against a brute-force search).
double mouth_vowel_cost(const MouthPoint& mouth, const VowelWeights& weights);

}  // namespace tha4::tracking
