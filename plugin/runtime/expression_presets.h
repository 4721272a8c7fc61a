#pragma once
// Expression presets ("happy", "angry", "wink", ...): partial poses layered over tracking, from a hotkey or
// as a standing expression. They live in a text file (data/expressions.txt) so users can edit and add
// their own without rebuilding:
//
//   # comment
//   happy: eyebrow_happy=1, eye_happy_wink=1, mouth_raised_corner=1
//
// A preset overrides only the parameters it names (a pair name without _left/_right names both sides).

#include "inference/pose/pose.h"

#include <array>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace tha4::avatar {

struct ExpressionPreset {
  std::string id;
  Pose values{};
  std::array<bool, kPoseSize> overrides{};  // which parameters the preset sets
};

// Throws Error naming `source` and the line for a malformed line, an unknown parameter or a repeated id.
std::vector<ExpressionPreset> parse_expression_presets(std::string_view text, const std::string& source);
std::vector<ExpressionPreset> read_expression_presets(const std::filesystem::path& file);

// Presets switched on and off, each fading in and out so a hotkey never snaps the face.
class ExpressionLayer {
 public:
  explicit ExpressionLayer(double fade_s = 0.15) : fade_s_(fade_s) {}

  void set_presets(std::vector<ExpressionPreset> presets);
  const std::vector<ExpressionPreset>& presets() const { return presets_; }
  // Switches a preset on or off (unknown ids are ignored).
  void set_active(std::string_view id, bool active);
  bool is_active(std::string_view id) const;
  // Advances the fades to `now_s` and blends every preset with weight > 0 over `pose`, in file order.
  void apply(Pose& pose, double now_s);

 private:
  struct State {
    bool active = false;
    float weight = 0.0F;
  };
  double fade_s_;
  std::vector<ExpressionPreset> presets_;
  std::vector<State> states_;
  double last_s_ = -1.0;
};

}  // namespace tha4::avatar
