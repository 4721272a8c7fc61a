#pragma once
// sRGB <-> linear conversions exactly as the reference implementation does them (spec §1).

#include <cstdint>

namespace tha4 {

// Linear value of the 8-bit sRGB level `level`, bit-identical to the reference loader's float32
// result (spec Appendix C: NumPy's SIMD pow differs from glibc powf by 1 ulp on 44 levels).
float srgb8_to_linear(std::uint8_t level);

// The reference's linear_to_srgb: clip to [0, 1], then 12.92·c or 1.055·c^(1/2.4) − 0.055.
float linear_to_srgb(float linear);

}  // namespace tha4
