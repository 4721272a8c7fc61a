#pragma once
// The scripted animation of `tha4 demo`: a few seconds that show every kind of motion.

#include "inference/pose/pose.h"

#include <string>
#include <vector>

namespace tha4::cli {

struct DemoFrame {
  Pose pose;
  std::string label;  // what is happening, for the contact sheet
};

// Total length of the script in seconds.
double demo_duration_seconds();

// Twelve moments that show each motion at its peak (blinks closed, each vowel open, head and body at
// their extremes): the contact sheet shows these.
std::vector<double> demo_key_times();

// The pose at time t (seconds, clamped to the script): blink, talk (a, i, u, e, o), head turn and
// tilt, body sway, with breathing throughout.
DemoFrame demo_frame_at(double t);

}  // namespace tha4::cli
