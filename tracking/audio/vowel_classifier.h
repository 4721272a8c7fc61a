#pragma once
// F1/F2 → soft weights for THA4's five mouth shapes. Each vowel is a prototype point in log-frequency
// space; the weights fall off as a Gaussian of the distance, so a sound between two vowels blends their
// shapes instead of flickering between them.

#include <array>

namespace tha4::tracking {

constexpr int kVowelCount = 5;
// In THA4's pose order: mouth_aaa, mouth_iii, mouth_uuu, mouth_eee, mouth_ooo.
enum class Vowel { kA = 0, kI = 1, kU = 2, kE = 3, kO = 4 };
// Non-negative, summing to 1 (or all zero for "no opinion").
using VowelMix = std::array<float, kVowelCount>;

// Soft vowel weights for formant estimates in Hz (non-finite or non-positive input → all zero).
VowelMix classify_vowel(float f1_hz, float f2_hz);

// The vowel with the largest weight.
Vowel dominant_vowel(const VowelMix& mix);

}  // namespace tha4::tracking
