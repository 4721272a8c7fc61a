#include "cli/demo_animation.h"

#include <algorithm>
#include <cmath>

namespace tha4::cli {
namespace {

constexpr double kPi = 3.14159265358979323846;

// Phases of the script, back to back.
constexpr double kBlinkEnd = 1.0;
constexpr double kTalkEnd = 3.0;
constexpr double kHeadEnd = 4.5;
constexpr double kDuration = 6.0;

void set(Pose& pose, const char* name, float value) { pose[*find_pose_parameter(name)] = value; }

// 0 -> 1 -> 0 over [start, start + length), smooth at both ends.
float bump(double t, double start, double length) {
  if (t < start || t >= start + length) return 0.0f;
  return static_cast<float>(std::sin(kPi * (t - start) / length));
}

void blink(Pose& pose, double t) {
  // Two blinks of 0.3 s each, then a wink of the left eye.
  const float both = std::max(bump(t, 0.1, 0.3), bump(t, 0.5, 0.3)) * 1.0f;
  set(pose, "eye_wink_left", std::max(both, bump(t, 0.8, 0.2)));
  set(pose, "eye_wink_right", both);
}

void talk(Pose& pose, double t, std::string& label) {
  static constexpr const char* kVowels[] = {"mouth_aaa", "mouth_iii", "mouth_uuu", "mouth_eee", "mouth_ooo"};
  static constexpr const char* kLabels[] = {"talk: a", "talk: i", "talk: u", "talk: e", "talk: o"};
  const double per_vowel = (kTalkEnd - kBlinkEnd) / 5.0;
  const int vowel = std::clamp(static_cast<int>((t - kBlinkEnd) / per_vowel), 0, 4);
  set(pose, kVowels[vowel], bump(t, kBlinkEnd + vowel * per_vowel, per_vowel));
  set(pose, "eyebrow_happy_left", 0.3f);
  set(pose, "eyebrow_happy_right", 0.3f);
  label = kLabels[vowel];
}

void turn_head(Pose& pose, double t, std::string& label) {
  const double u = (t - kTalkEnd) / (kHeadEnd - kTalkEnd);  // 0..1
  set(pose, "head_y", static_cast<float>(std::sin(2 * kPi * u)));
  set(pose, "head_x", static_cast<float>(0.5 * std::sin(4 * kPi * u)));
  set(pose, "neck_z",
      static_cast<float>(0.6 * std::sin(2 * kPi * u + kPi / 2) * bump(t, kTalkEnd, kHeadEnd - kTalkEnd)));
  set(pose, "iris_rotation_x", static_cast<float>(-0.6 * std::sin(2 * kPi * u)));
  label = "head turn and tilt";
}

void sway_body(Pose& pose, double t, std::string& label) {
  const double u = (t - kHeadEnd) / (kDuration - kHeadEnd);
  set(pose, "body_y", static_cast<float>(0.8 * std::sin(2 * kPi * u)));
  set(pose, "body_z", static_cast<float>(0.6 * std::sin(2 * kPi * u + kPi / 3)));
  set(pose, "mouth_raised_corner_left", 0.6f);
  set(pose, "mouth_raised_corner_right", 0.6f);
  label = "body sway";
}

}  // namespace

double demo_duration_seconds() { return kDuration; }

std::vector<double> demo_key_times() {
  const double vowel = (kTalkEnd - kBlinkEnd) / 5.0;
  const double head = kHeadEnd - kTalkEnd;
  const double body = kDuration - kHeadEnd;
  return {0.0,
          0.25,  // both eyes closed
          0.9,   // left wink
          kBlinkEnd + 0.5 * vowel,
          kBlinkEnd + 1.5 * vowel,
          kBlinkEnd + 2.5 * vowel,
          kBlinkEnd + 3.5 * vowel,
          kBlinkEnd + 4.5 * vowel,  // a, i, u, e, o fully open
          kTalkEnd + 0.25 * head,
          kTalkEnd + 0.75 * head,  // head turned one way, then the other
          kHeadEnd + 0.25 * body,
          kHeadEnd + 0.75 * body};  // body swayed both ways
}

DemoFrame demo_frame_at(double t) {
  t = std::clamp(t, 0.0, kDuration);
  DemoFrame frame{rest_pose(), "blink and wink"};
  if (t < kBlinkEnd) {
    blink(frame.pose, t);
  } else if (t < kTalkEnd) {
    talk(frame.pose, t, frame.label);
  } else if (t < kHeadEnd) {
    turn_head(frame.pose, t, frame.label);
  } else {
    sway_body(frame.pose, t, frame.label);
  }
  // Breathing throughout: one breath every 2 s.
  set(frame.pose, "breathing", static_cast<float>(0.5 - 0.5 * std::cos(kPi * t)));
  clamp_pose(frame.pose);
  return frame;
}

}  // namespace tha4::cli
