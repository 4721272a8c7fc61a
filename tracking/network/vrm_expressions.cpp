#include "tracking/network/vrm_expressions.h"

#include <algorithm>
#include <cstddef>

namespace tha4::tracking {
namespace {

char to_lower_ascii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool equal_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return to_lower_ascii(x) == to_lower_ascii(y); });
}

struct NamedExpression {
  std::string_view vrm1;  // VRM 1.0
  std::string_view vrm0;  // VRM 0.x
};
// In enum order.
constexpr std::array<NamedExpression, kVrmExpressionCount> kNames = {{
    {"aa", "A"},
    {"ih", "I"},
    {"ou", "U"},
    {"ee", "E"},
    {"oh", "O"},
    {"blink", "Blink"},
    {"blinkLeft", "Blink_L"},
    {"blinkRight", "Blink_R"},
    {"happy", "Joy"},
    {"angry", "Angry"},
    {"sad", "Sorrow"},
    {"relaxed", "Fun"},
    {"surprised", "Surprised"},
    {"lookUp", "LookUp"},
    {"lookDown", "LookDown"},
    {"lookLeft", "LookLeft"},
    {"lookRight", "LookRight"},
    {"neutral", "Neutral"},
}};

// The emotions as the expression presets of the same meaning in data/expressions.txt write them (a test keeps
// the two equal), so a VRM "Joy" and the "happy" hotkey look the same.
struct EmotionText {
  VrmExpression emotion;
  std::string_view pose;
};
constexpr std::array<EmotionText, 5> kEmotionPoses = {{
    {VrmExpression::kHappy, "eyebrow_happy=1, eye_happy_wink=1, mouth_raised_corner=1, mouth_aaa=0.35"},
    {VrmExpression::kAngry, "eyebrow_angry=1, eye_unimpressed=0.35, mouth_lowered_corner=0.8, mouth_raised_corner=0"},
    {VrmExpression::kSad, "eyebrow_troubled=1, eye_relaxed=0.45, mouth_lowered_corner=0.7, mouth_raised_corner=0"},
    {VrmExpression::kRelaxed, "eyebrow_happy=0.4, eye_relaxed=1, mouth_raised_corner=0.5"},
    {VrmExpression::kSurprised, "eyebrow_raised=1, eye_surprised=1, mouth_ooo=0.8, mouth_aaa=0"},
}};

// Which parameters a "name=value, ..." text sets: parse it once with every value replaced by one that no
// range excludes and see what moved (pair names set both sides).
VrmEmotionPose parse_emotion(std::string_view text) {
  VrmEmotionPose emotion;
  emotion.values = parse_pose(text).pose;
  std::string probe;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    const std::string_view item = text.substr(start, comma - start);
    probe += std::string(item.substr(0, item.find('='))) + "=0.5,";
    start = comma + 1;
  }
  const Pose moved = parse_pose(probe).pose;
  for (std::size_t i = 0; i < emotion.sets.size(); ++i) emotion.sets[i] = moved[i] != 0.0f;
  return emotion;
}

struct EmotionTable {
  std::array<VrmEmotionPose, kEmotionPoses.size()> poses;
  EmotionTable() {
    for (std::size_t i = 0; i < poses.size(); ++i) poses[i] = parse_emotion(kEmotionPoses[i].pose);
  }
};

const EmotionTable& emotion_table() {
  static const EmotionTable table;
  return table;
}

int index_of(std::string_view name) { return find_pose_parameter(name).value(); }

struct FaceIndices {
  int eye_wink_left = index_of("eye_wink_left");
  int eye_wink_right = index_of("eye_wink_right");
  int iris_rotation_x = index_of("iris_rotation_x");
  int iris_rotation_y = index_of("iris_rotation_y");
  std::array<int, 5> vowels = {index_of("mouth_aaa"), index_of("mouth_iii"), index_of("mouth_uuu"),
                               index_of("mouth_eee"), index_of("mouth_ooo")};
};

const FaceIndices& face_indices() {
  static const FaceIndices indices;
  return indices;
}

float clamp01(float x) { return std::clamp(x, 0.0f, 1.0f); }

}  // namespace

std::optional<VrmExpression> find_vrm_expression(std::string_view name) {
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    if (equal_ignoring_case(name, kNames[i].vrm1) || equal_ignoring_case(name, kNames[i].vrm0)) {
      return static_cast<VrmExpression>(i);
    }
  }
  return std::nullopt;
}

std::string_view vrm_expression_name(VrmExpression expression) {
  return kNames[static_cast<std::size_t>(expression)].vrm1;
}

const VrmEmotionPose* vrm_emotion_pose(VrmExpression emotion) {
  for (std::size_t i = 0; i < kEmotionPoses.size(); ++i) {
    if (kEmotionPoses[i].emotion == emotion) return &emotion_table().poses[i];
  }
  return nullptr;
}

void write_vrm_expressions(const VrmExpressionWeights& weights, const VrmPoseOptions& options, Pose& pose) {
  using E = VrmExpression;
  for (const EmotionText& entry : kEmotionPoses) {
    const float weight = clamp01(weights[entry.emotion]);
    if (weight <= 0.0f) continue;
    const VrmEmotionPose& emotion = *vrm_emotion_pose(entry.emotion);
    for (std::size_t p = 0; p < pose.size(); ++p) {
      if (emotion.sets[p]) pose[p] += (emotion.values[p] - pose[p]) * weight;
    }
  }

  const FaceIndices& at = face_indices();
  const float blink = clamp01(weights[E::kBlink]);
  auto& wink_left = pose[static_cast<std::size_t>(at.eye_wink_left)];
  auto& wink_right = pose[static_cast<std::size_t>(at.eye_wink_right)];
  wink_left = std::max({wink_left, blink, clamp01(weights[E::kBlinkLeft])});
  wink_right = std::max({wink_right, blink, clamp01(weights[E::kBlinkRight])});

  const std::array<float, 5> vowels = {clamp01(weights[E::kAa]), clamp01(weights[E::kIh]), clamp01(weights[E::kOu]),
                                       clamp01(weights[E::kEe]), clamp01(weights[E::kOh])};
  if (*std::max_element(vowels.begin(), vowels.end()) > 0.0f) {
    for (std::size_t v = 0; v < vowels.size(); ++v) pose[static_cast<std::size_t>(at.vowels[v])] = vowels[v];
  }

  if (options.gaze) {
    // As the ARKit path: up is +iris_rotation_x; looking to the avatar's left is −iris_rotation_y.
    const float vertical = (weights[E::kLookUp] - weights[E::kLookDown]) * options.eye_rotation_factor;
    const float horizontal = (weights[E::kLookRight] - weights[E::kLookLeft]) * options.eye_rotation_factor;
    pose[static_cast<std::size_t>(at.iris_rotation_x)] = std::clamp(vertical, -1.0f, 1.0f);
    pose[static_cast<std::size_t>(at.iris_rotation_y)] = std::clamp(horizontal, -1.0f, 1.0f);
  }
}

}  // namespace tha4::tracking
