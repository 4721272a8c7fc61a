#pragma once
// The student networks rearranged for the fast engine. Exact algebra, only the rounding changes:
// - ω0 = 30 is multiplied into every sine layer's weights and bias;
// - each level's first layer is split by input columns: position (two per-pixel slopes), pose (folded
//   into a per-frame bias) and, on levels 1 and 2, the previous level's features, which are applied at
//   the lower resolution before upsampling (bilinear upsampling commutes with a per-pixel linear map);
// - weights are packed for the kernels in blocks of kOutBlock outputs, widths padded with zeros.

#include "inference/fast/kernels.h"
#include "inference/student/student_networks.h"

#include <vector>

namespace tha4::fast {

struct PackedLinear {
  int in = 0;                  // input width (already padded to the producer's out_padded)
  int out = 0;                 // real outputs
  int out_padded = 0;          // multiple of kOutBlock
  std::vector<float> weights;  // [out_padded / kOutBlock][in][kOutBlock]
  std::vector<float> bias;     // [out_padded]
};

// Packs scale·W[:, columns [col_begin, col_begin + width)] (W is (out, in, 1, 1)) with `in_padded` ≥ width
// input rows; the bias (scale·b) is included when `with_bias`.
PackedLinear pack_linear(const torch::Tensor& weight, const torch::Tensor& bias, float scale, int64_t col_begin,
                         int64_t width, int in_padded, bool with_bias);

// A level's first sine layer without its feature columns: sin(bias + wx·x + wy·y + P·pose [+ features]).
struct FoldedFirstLayer {
  int out_padded = 0;
  int pose_size = 0;
  std::vector<float> wx, wy, bias;  // [out_padded], ω0 included
  std::vector<float> pose_weights;  // [out_padded][pose_size], ω0 included

  // bias + P·pose: the part of the pre-activation that is constant over a frame.
  void frame_bias(const float* pose, float* out) const;
};

struct PackedLevel {
  int size = 0;  // S: the level works on S×S pixels
  FoldedFirstLayer first;
  PackedLinear feature;            // levels > 0: ω0·W_features, applied at the previous level's resolution
  std::vector<PackedLinear> rest;  // the other sine layers, in order
  std::vector<float> grid;         // the position grid coordinates, bit-identical to affine_grid: [S]

  int out_padded() const { return rest.empty() ? first.out_padded : rest.back().out_padded; }
};

struct PackedFaceMorpher {
  PackedLevel siren;  // size 128, no feature columns
  PackedLinear last;  // 128 -> 4 (padded to 8), no sine
};

struct PackedBodyMorpher {
  std::vector<PackedLevel> levels;
  PackedLinear last;  // 90 -> 7 (padded to 8): grid change x, y, alpha, colour RGBA
};

PackedFaceMorpher pack_face_morpher(SirenFaceMorpherImpl& network);
PackedBodyMorpher pack_body_morpher(SirenBodyMorpherImpl& network);

}  // namespace tha4::fast
