#pragma once
// One OpenSeeFace face record → the face frame every network tracker converts to a pose (ARKit-named
// blendshapes + the head rotation as iFacialMocap reports it), so OpenSeeFace drives the character through
// the same converter, sliders and mirroring as iFacialMocap and VMC. OpenSeeFace has already measured each
// expression against the user's own neutral face (its features are 0 at neutral), which is the calibration
// our webcam tracker does itself; here they only need scaling. tracking/network/README.md has the table.

#include "tracking/network/blendshapes.h"
#include "tracking/network/openseeface_packet.h"

#include <array>

namespace tha4::tracking {

// The head rotation of a record's quaternion, in degrees as iFacialMocap reports it (x pitch, y yaw, z roll of
// the face in a frame that faces the camera; see HeadRotation). Facing the camera is (0, 0, 0); turning to
// one's own left is +y.
HeadRotation head_rotation_from_openseeface(const std::array<float, 4>& quaternion);

class OpenSeeFaceFaceConverter {
 public:
  // Converts a record. Stateful: without a 3D fit the previous head rotation is kept, and while an eye is
  // shut the gaze is held (the pupil is not visible).
  FaceFrame convert(const OpenSeeFaceFace& face);

 private:
  HeadRotation head_;
  float gaze_toward_image_right_ = 0.0f;  // −1..1 in half eye widths
};

}  // namespace tha4::tracking
