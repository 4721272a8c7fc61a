#pragma once
// The face mask a distillation needs (spec §6.5: white over the parts of the face that move), proposed from
// the character itself instead of painted by hand: pose the face many ways, find the organs that move, and
// give each a box, as the official masks do (one box over each eye, one over the mouth).
//
//   1. Poses: each of the 39 face parameters alone at its extremes (so every eyebrow, eyelid, iris and mouth
//      shape is seen at its largest), then `random_poses` of the distiller's built-in sampler (combinations).
//   2. Change: per pixel of the student's 128×128 face crop (picture rows 80:208, cols 192:320), the largest
//      change of any RGBA channel from the rest pose over all poses, in 0..1 units of colour (premultiplied,
//      as the networks output it).
//   3. Organs: pixels whose change is above `threshold`, opened with a disc of `open_radius` (thin lines go:
//      hair and outlines that sway a little), grouped when closer than `group_radius` (the lid and the iris
//      of one eye), groups of `min_area` pixels or more that the crop's edge does not cut. THA4 puts the face at a
//      fixed place, so the crop's geometry names them: the largest one each side of the middle in the upper part are
//      the eyes, the largest below them near the middle is the mouth. What is not found is reported and masked
//      at its usual place (the mean of the official masks' boxes): the distiller needs the face area weighed.
//   4. Boxes, scaled by the distance between the eyes' centres (measured, or 46 pixels when an eye is
//      missing): each eye's moving box grown by `eye_margin` of it; the mouth box starts `mouth_above` of it
//      above what moves, centred on it, at least `mouth_width` × `mouth_height` of it. The mouth box is large
//      because the official masks give the mouth the room of its widest shapes (a grin, "i", the corners
//      raised or lowered), whose far ends move pixels too faint to pass the threshold. These four sizes
//      were chosen against the two official masks (docs/face-mask.md has the numbers); they are options.
//
// The face can come from the teacher (the full system: what `tha4 distill` learns from, and all a new
// character has) or from an existing student of the same character (how the proposal is checked against
// the official masks here, where only the students' weights are at hand).

#include "inference/image/image_io.h"

#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace tha4::distill {

// Poses (n, 45) → the face crops (n, 4, 128, 128) in the reference's units (−1..1, premultiplied).
using FaceCropFunction = std::function<torch::Tensor(const torch::Tensor& poses)>;

struct FaceMaskOptions {
  int random_poses = 96;
  std::uint64_t first_random_pose = 7;  // index into the built-in sampler
  float threshold = 0.1f;
  int open_radius = 2;
  int min_area = 40;
  int group_radius = 6;
  // Box sizes in eye distances (see 4. above).
  float eye_margin = 0.12f;  // around each eye's moving box
  float mouth_above = 0.1f;  // above the mouth's moving box (and the least margin on its other sides)
  float mouth_width = 1.6f;  // the mouth box's least width and height
  float mouth_height = 0.75f;
  int batch = 16;  // poses per call of the face function
};

// A rectangle of the 512×512 picture: columns [x, x + width), rows [y, y + height).
struct PictureBox {
  int x = 0, y = 0, width = 0, height = 0;
};

struct FacePart {
  std::string name;   // "right eye" (the character's: the picture's left), "left eye", "mouth"
  PictureBox moving;  // what moves by more than the threshold
  PictureBox masked;  // the box in the mask
};

struct FaceMaskProposal {
  Rgba8Image mask;                   // 512×512, opaque, RGB 0 or 255
  std::vector<float> change;         // 128×128, the largest change per pixel of the crop (0..1)
  std::vector<FacePart> parts;       // the organs found, eyes first
  std::vector<std::string> missing;  // the organs not found (masked at their usual place)
  float eye_distance = 0.0f;         // pixels between the eyes' centres (the default when an eye is missing)
  int poses = 0;                     // how many poses were looked at
  double face_fraction = 0.0;        // of the face crop under the mask
};

FaceMaskProposal propose_face_mask(const FaceCropFunction& face, const FaceMaskOptions& options = {});

// The change map as a picture: black (no change) to white (a change of 0.25 or more), the threshold in red.
Rgba8Image change_map_image(const FaceMaskProposal& proposal, float threshold);

// Intersection over union of two masks' red channels (0 / non-zero), over the whole picture.
double mask_iou(const Rgba8Image& a, const Rgba8Image& b);

// The mask over the picture, for a person to look at: the character on a grey checkerboard, the masked
// pixels tinted, the outline of the mask drawn (yellow), the face crop framed (blue), and a hand-made mask's
// outline (cyan) when one is given to compare with.
Rgba8Image mask_preview(const Rgba8Image& character, const Rgba8Image& mask, const Rgba8Image* reference = nullptr);

}  // namespace tha4::distill
