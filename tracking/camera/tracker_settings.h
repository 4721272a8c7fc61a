#pragma once
// Every tunable of the camera tracker with its default. The defaults follow the tracking recipe
// (shared/spec/tracking-recipe.md §3) unless a comment says a measurement moved them.

#include "tracking/common/pose_tuning.h"

#include <filesystem>

namespace tha4::tracking {

// Debian's libdlib-data installs the 68-point model here.
inline const std::filesystem::path kDefaultLandmarkModel = "/usr/share/dlib/shape_predictor_68_face_landmarks.dat";

struct DetectionSettings {
  // Wider frames are scaled down to this width first: detection cost grows with the pixel count, and a face
  // of 100-200 px is all the landmark model needs. 0 keeps every frame as it is.
  int max_frame_width = 640;
  // While no face is tracked: HOG on a copy scaled by this factor first (about 4x cheaper than full size),
  // then, if nothing was found, on the full frame.
  double search_scale = 0.5;
  bool search_full_frame_fallback = true;
  // While nothing is found, search at most this often (about 5 attempts per second).
  double search_retry_interval_s = 0.2;
  // While tracking, re-detect every this many frames in a crop around the face: landmarks alone drift
  // onto anything face-like, the detector confirms there is still a face.
  int redetect_every_frames = 8;
  // The crop's side is this times the face box, scaled so the face is about this big (HOG's window is 80 px).
  // HOG's cost grows with the crop's area: 1.6 x 90 px (a 144 px crop) found the face as often on
  // Megamind.avi as 2 x 100 px (200 px) at half the cost.
  double redetect_crop_factor = 1.6;
  double redetect_face_size_px = 90.0;
  int max_failed_redetections = 2;  // this many failures in a row: the face is lost
  // Re-detect at once when the face box's content correlates less than this with the previous frame's
  // (a cut, the face leaving, a hand in front). Measured on Megamind.avi: 0.71-1.0 while tracking, -0.12-0.09
  // at its three cuts.
  double min_appearance_correlation = 0.5;
};

struct ValiditySettings {
  // The landmark predictor always returns 68 points, even on a wall. A fit counts as a face only if all hold.
  // Head-model reprojection RMS, as a fraction of the inter-ocular distance (as seen from the front: a
  // turned head's foreshortened eyes would make the test stricter exactly where the fit is hardest).
  double max_reprojection_rms = 0.08;
  double max_interocular_change = 0.30;  // frame-to-frame change of the inter-ocular distance
  double max_abs_yaw_deg = 45.0;
};

struct CalibrationSettings {
  double neutral_duration_s = 1.0;  // collect the neutral face this long (median of every feature)
  int min_neutral_samples = 8;      // and from at least this many frames
  // Afterwards the neutral follows the user slowly (lighting, posture), from near-neutral frames only.
  double adaptation_time_constant_s = 60.0;
  double adaptation_max_angle_deg = 6.0;  // "near neutral": head within this of the neutral rotation
  // A face found again after it was lost gets a fresh calibration if it was gone this long, or if it comes
  // back this much larger or smaller, or this many face widths away: it may be someone else, and the same
  // user in another place sees the camera from another angle, which moves the neutral head rotation.
  double recalibrate_after_lost_s = 5.0;
  double recalibrate_size_change = 0.25;
  double recalibrate_shift_faces = 1.0;
};

struct MappingSettings {
  PoseTuning tuning;  // the user's sliders: the camera applies every one of them

  // Head: degrees of head rotation (relative to the neutral) that give a full parameter (THA4 converter).
  double head_pitch_full_deg = 15.0;
  double head_yaw_full_deg = 10.0;
  double head_roll_full_deg = 15.0;
  // Beyond this yaw dlib's landmarks are unreliable: eyes, brows, mouth and iris hold their last values.
  double freeze_features_yaw_deg = 35.0;

  // Eye closure c = smoothstep(blink_closure_start, blink_closure_full, (EAR0 - EAR) / (blink_closed_ratio EAR0)).
  double blink_closed_ratio = 0.65;
  double blink_closure_start = 0.2;
  double blink_closure_full = 0.8;
  // Hysteresis: an eye snaps shut above close, and opens again only below open.
  double blink_close_threshold = 0.6;
  double blink_open_threshold = 0.4;
  // Both eyes take their mean closure unless they differ by more than this (a deliberate wink).
  bool link_blinks = true;
  double wink_difference = 0.4;

  // Gaze from the dark-pixel centroid of each eye (when tuning.gaze is on).
  double gaze_gain = 1.0;
  double gaze_dead_zone = 0.1;  // |iris rotation| below this reads as 0 (the centroid jitters)
};

struct FaceLossSettings {
  double hold_s = 0.5;  // keep the last pose this long after the face is lost
  double ease_s = 1.0;  // then ease to the neutral pose over this long
};

// One Euro filter parameters (Casiez et al. 2012): cutoff = min_cutoff + beta |derivative|.
struct OneEuroParameters {
  double min_cutoff_hz = 1.0;
  double beta = 0.0;
  double derivative_cutoff_hz = 1.0;
};

struct SmoothingSettings {
  OneEuroParameters head{1.0, 0.3, 1.0};   // head_x, head_y, neck_z, body_y, body_z (-1..1 units)
  OneEuroParameters iris{1.0, 0.5, 1.0};   // iris_rotation_x, iris_rotation_y
  OneEuroParameters blink{4.0, 2.0, 1.0};  // eye_wink, eye_happy_wink: fast, so a 2-frame blink survives
  OneEuroParameters morph{1.5, 0.5, 1.0};  // every other morph
};

struct TrackerSettings {
  std::filesystem::path landmark_model = kDefaultLandmarkModel;
  DetectionSettings detection;
  ValiditySettings validity;
  CalibrationSettings calibration;
  MappingSettings mapping;
  FaceLossSettings face_loss;
  SmoothingSettings smoothing;
};

}  // namespace tha4::tracking
