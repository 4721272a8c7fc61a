#include "tracking/network/blendshape_pose_converter.h"

#include "tracking/common/breathing.h"
#include "tracking/network/mouth_vowel_decomposition.h"

#include <algorithm>
#include <cmath>

namespace tha4::tracking {
namespace {

float clamp01(float x) { return std::clamp(x, 0.0f, 1.0f); }

// Pose indices by name, looked up once in the shared table so a reordering there cannot go unnoticed.
struct PoseIndices {
  static int of(std::string_view name) { return find_pose_parameter(name).value(); }

  int eyebrow_troubled_left = of("eyebrow_troubled_left");
  int eyebrow_angry_left = of("eyebrow_angry_left");
  int eyebrow_lowered_left = of("eyebrow_lowered_left");
  int eyebrow_serious_left = of("eyebrow_serious_left");
  int eyebrow_raised_left = of("eyebrow_raised_left");
  int eyebrow_raised_right = of("eyebrow_raised_right");
  int eyebrow_happy_left = of("eyebrow_happy_left");
  int eyebrow_happy_right = of("eyebrow_happy_right");
  int eye_wink_left = of("eye_wink_left");
  int eye_relaxed_left = of("eye_relaxed_left");
  int eye_happy_wink_left = of("eye_happy_wink_left");
  int eye_happy_wink_right = of("eye_happy_wink_right");
  int eye_surprised_left = of("eye_surprised_left");
  int eye_surprised_right = of("eye_surprised_right");
  int eye_raised_lower_eyelid_left = of("eye_raised_lower_eyelid_left");
  int eye_raised_lower_eyelid_right = of("eye_raised_lower_eyelid_right");
  int iris_small_left = of("iris_small_left");
  int iris_small_right = of("iris_small_right");
  int mouth_aaa = of("mouth_aaa");
  int mouth_iii = of("mouth_iii");
  int mouth_uuu = of("mouth_uuu");
  int mouth_ooo = of("mouth_ooo");
  int mouth_lowered_corner_left = of("mouth_lowered_corner_left");
  int mouth_lowered_corner_right = of("mouth_lowered_corner_right");
  int mouth_raised_corner_left = of("mouth_raised_corner_left");
  int mouth_raised_corner_right = of("mouth_raised_corner_right");
  int iris_rotation_x = of("iris_rotation_x");
  int iris_rotation_y = of("iris_rotation_y");
  int head_x = of("head_x");
  int head_y = of("head_y");
  int neck_z = of("neck_z");
  int body_y = of("body_y");
  int body_z = of("body_z");
  int breathing = of("breathing");
};

const PoseIndices& indices() {
  static const PoseIndices table;
  return table;
}

// Paired parameters sit at <left>, <left> + 1 (spec §2), so callers write the right side at left + 1.
int eyebrow_down_left_index(EyebrowDownMode mode) {
  const PoseIndices& at = indices();
  switch (mode) {
    case EyebrowDownMode::kTroubled: return at.eyebrow_troubled_left;
    case EyebrowDownMode::kAngry: return at.eyebrow_angry_left;
    case EyebrowDownMode::kLowered: return at.eyebrow_lowered_left;
    case EyebrowDownMode::kSerious: return at.eyebrow_serious_left;
  }
  return at.eyebrow_angry_left;
}

float smile_degree(float smile, const BlendshapePoseConverterConfig& config) {
  if (config.smile_threshold_min >= config.smile_threshold_max) return 0.0f;
  return clamp01((smile - config.smile_threshold_min) / (config.smile_threshold_max - config.smile_threshold_min));
}

void write_eyebrows(const BlendshapeWeights& bs, float smile, float degree, const BlendshapePoseConverterConfig& config,
                    Pose& pose) {
  using B = Blendshape;
  const PoseIndices& at = indices();
  pose[at.eyebrow_raised_left] = clamp01(bs[B::kBrowInnerUp] + bs[B::kBrowOuterUpLeft]);
  pose[at.eyebrow_raised_right] = clamp01(bs[B::kBrowInnerUp] + bs[B::kBrowOuterUpRight]);
  if (config.eyebrow_down_max > 0.0f) {
    const int left = eyebrow_down_left_index(config.tuning.eyebrow_down_mode);
    pose[left] = (1.0f - degree) * clamp01(bs[B::kBrowDownLeft] / config.eyebrow_down_max);
    pose[left + 1] = (1.0f - degree) * clamp01(bs[B::kBrowDownRight] / config.eyebrow_down_max);
  }
  const float happy = clamp01(smile) * degree;
  pose[at.eyebrow_happy_left] = happy;
  pose[at.eyebrow_happy_right] = happy;
}

void write_eyes(const BlendshapeWeights& bs, float degree, const BlendshapePoseConverterConfig& config, Pose& pose) {
  using B = Blendshape;
  const PoseIndices& at = indices();
  if (config.eye_surprised_max > 0.0f) {
    pose[at.eye_surprised_left] = clamp01(bs[B::kEyeWideLeft] / config.eye_surprised_max);
    pose[at.eye_surprised_right] = clamp01(bs[B::kEyeWideRight] / config.eye_surprised_max);
  }
  if (config.eye_blink_max > 0.0f) {
    const float blink_left = clamp01(bs[B::kEyeBlinkLeft] / config.eye_blink_max);
    const float blink_right = clamp01(bs[B::kEyeBlinkRight] / config.eye_blink_max);
    const int wink_left = config.wink_mode == WinkMode::kNormal ? at.eye_wink_left : at.eye_relaxed_left;
    pose[wink_left] = (1.0f - degree) * blink_left;
    pose[wink_left + 1] = (1.0f - degree) * blink_right;
    pose[at.eye_happy_wink_left] = degree * blink_left;
    pose[at.eye_happy_wink_right] = degree * blink_right;
  }
  const float squint_range = config.cheek_squint_max - config.cheek_squint_min;
  if (squint_range > 0.0f) {
    pose[at.eye_raised_lower_eyelid_left] = clamp01((bs[B::kCheekSquintLeft] - config.cheek_squint_min) / squint_range);
    pose[at.eye_raised_lower_eyelid_right] =
        clamp01((bs[B::kCheekSquintRight] - config.cheek_squint_min) / squint_range);
  }
}

void write_iris_size(const BlendshapePoseConverterConfig& config, Pose& pose) {
  const PoseIndices& at = indices();
  pose[at.iris_small_left] = static_cast<float>(config.tuning.iris_size);
  pose[at.iris_small_right] = static_cast<float>(config.tuning.iris_size);
}

void write_irises(const BlendshapeWeights& bs, const BlendshapePoseConverterConfig& config, Pose& pose) {
  using B = Blendshape;
  const PoseIndices& at = indices();
  const float horizontal =
      (bs[B::kEyeLookInLeft] - bs[B::kEyeLookOutLeft] - bs[B::kEyeLookInRight] + bs[B::kEyeLookOutRight]) / 2.0f *
      config.eye_rotation_factor;
  const float vertical =
      (bs[B::kEyeLookUpLeft] + bs[B::kEyeLookUpRight] - bs[B::kEyeLookDownLeft] - bs[B::kEyeLookDownRight]) / 2.0f *
      config.eye_rotation_factor;
  if (config.tuning.gaze) {
    pose[at.iris_rotation_y] = std::clamp(horizontal, -1.0f, 1.0f);
    pose[at.iris_rotation_x] = std::clamp(vertical, -1.0f, 1.0f);
  }
  write_iris_size(config, pose);
}

void write_head(const HeadRotation& head, Pose& pose) {
  const PoseIndices& at = indices();
  pose[at.head_x] = std::clamp(-head.x_degrees, -15.0f, 15.0f) / 15.0f;
  const float turn = std::clamp(-head.y_degrees, -10.0f, 10.0f) / 10.0f;
  pose[at.head_y] = turn;
  pose[at.body_y] = turn;
  const float tilt = std::clamp(head.z_degrees, -15.0f, 15.0f) / 15.0f;
  pose[at.neck_z] = tilt;
  pose[at.body_z] = tilt;
}

void write_mouth(const BlendshapeWeights& bs, float smile, const BlendshapePoseConverterConfig& config, Pose& pose) {
  using B = Blendshape;
  const PoseIndices& at = indices();
  const float jaw_range = config.jaw_open_max - config.jaw_open_min;
  const float open = jaw_range > 0.0f ? clamp01((bs[B::kJawOpen] - config.jaw_open_min) / jaw_range) : 0.0f;
  pose[at.mouth_aaa] = open;
  pose[at.mouth_raised_corner_left] = clamp01(smile);
  pose[at.mouth_raised_corner_right] = clamp01(smile);

  if (open <= 0.0f) {
    // The frown fix: the reference writes 0 when mouth_frown_max > 0 and divides by it otherwise,
    // which is backwards (it would divide by zero or a negative number, and never frowns with the
    // defaults). The MediaPipe converter has the condition the right way round; so does this one.
    const float frown = config.mouth_frown_max > 0.0f
                            ? clamp01((bs[B::kMouthFrownLeft] + bs[B::kMouthFrownRight]) / config.mouth_frown_max)
                            : 0.0f;
    pose[at.mouth_lowered_corner_left] = frown;
    pose[at.mouth_lowered_corner_right] = frown;
    return;
  }

  const float funnel = bs[B::kMouthFunnel];
  const VowelWeights vowels = decompose_mouth_vowels(
      {open, clamp01(bs[B::kMouthLowerDownLeft] + bs[B::kMouthLowerDownRight]), funnel, bs[B::kMouthPucker]});
  pose[at.mouth_aaa] = vowels[0];
  pose[at.mouth_iii] = vowels[1];
  const float funnel_range = config.mouth_funnel_max - config.mouth_funnel_min;
  if (funnel_range > 0.0f) {
    const float ooo_share = clamp01((funnel - config.mouth_funnel_min) / funnel_range);
    const float rounded = clamp01(vowels[2] + vowels[3]);
    pose[at.mouth_uuu] = rounded * (1.0f - ooo_share);
    pose[at.mouth_ooo] = rounded * ooo_share;
  }
}

// A misconfigured converter (a NaN threshold, an iris size of 2) must not reach the networks.
void keep_in_range(Pose& pose) {
  const auto& table = pose_parameters();
  for (int i = 0; i < kPoseSize; ++i) {
    float& value = pose[static_cast<std::size_t>(i)];
    value = std::isfinite(value)
                ? std::clamp(value, table[static_cast<std::size_t>(i)].min, table[static_cast<std::size_t>(i)].max)
                : 0.0f;
  }
}

}  // namespace

Pose convert_face_to_pose(const FaceFrame& frame, const BlendshapePoseConverterConfig& config,
                          double breathing_seconds) {
  using B = Blendshape;
  const BlendshapeWeights& bs = frame.blendshapes;
  Pose pose{};
  if (frame.vocabulary == FaceVocabulary::kVrmPresets) {
    write_head(frame.head, pose);
    write_iris_size(config, pose);
    write_vrm_expressions(frame.presets, VrmPoseOptions{config.tuning.gaze, config.eye_rotation_factor}, pose);
    pose[indices().breathing] = breathing_value(breathing_seconds, config.tuning.breaths_per_minute);
    keep_in_range(pose);
    return pose;
  }
  const float smile = (bs[B::kMouthSmileLeft] + bs[B::kMouthSmileRight]) / 2.0f + bs[B::kMouthShrugUpper];
  const float degree = smile_degree(smile, config);
  write_eyebrows(bs, smile, degree, config, pose);
  write_eyes(bs, degree, config, pose);
  write_irises(bs, config, pose);
  write_head(frame.head, pose);
  write_mouth(bs, smile, config, pose);
  pose[indices().breathing] = breathing_value(breathing_seconds, config.tuning.breaths_per_minute);
  keep_in_range(pose);
  return pose;
}

}  // namespace tha4::tracking
