#pragma once
// Blendshapes + head rotation → the 45-parameter THA4 pose, as the reference's iFacialMocap converter
// (`ifacialmocap_pose_converter_25.py`, spec §7.2 and §7.4) does it, with one deliberate fix: the
// reference tests `mouth_frown_max > 0` the wrong way round, so with its defaults the lowered mouth
// corners are always 0. Here a closed mouth frowns when mouthFrownLeft/Right say so, as in the
// reference's MediaPipe converter.

#include "inference/pose/pose.h"
#include "tracking/common/pose_tuning.h"
#include "tracking/network/blendshapes.h"

namespace tha4::tracking {

// Whether eyeBlink closes the eyes (eye_wink) or relaxes them (eye_relaxed).
enum class WinkMode { kNormal, kRelaxed };

// Defaults are the reference's (spec §7.1).
struct BlendshapePoseConverterConfig {
  // The user's sliders: eyebrows, gaze, iris size and breathing (0 keeps breathing at 0; spec §7.2). Not
  // `mirror`: the converter gives the phone's view, which the caller mirrors.
  PoseTuning tuning;
  float smile_threshold_min = 0.4f;
  float smile_threshold_max = 0.6f;
  WinkMode wink_mode = WinkMode::kNormal;
  float eye_surprised_max = 0.5f;
  float eye_blink_max = 0.8f;
  float eyebrow_down_max = 0.4f;
  float cheek_squint_min = 0.1f;
  float cheek_squint_max = 0.7f;
  float eye_rotation_factor = 1.0f / 0.75f;
  float jaw_open_min = 0.1f;
  float jaw_open_max = 0.4f;
  float mouth_frown_max = 0.6f;
  float mouth_funnel_min = 0.25f;
  float mouth_funnel_max = 0.5f;
};

// Converts one frame. A frame in VRM presets keeps the head, iris size and breathing of this converter and
// takes the face from write_vrm_expressions (the ARKit thresholds above do not apply to it). `breathing_seconds` is the
// time since the breathing cycle started (the trackers use the time since they started). The result is inside every
// parameter's range and finite.
Pose convert_face_to_pose(const FaceFrame& frame, const BlendshapePoseConverterConfig& config,
                          double breathing_seconds);

}  // namespace tha4::tracking
