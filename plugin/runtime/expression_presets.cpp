#include "plugin/runtime/expression_presets.h"

#include "inference/util/errors.h"

#include <algorithm>
#include <fstream>
#include <sstream>

namespace tha4::avatar {
namespace {

std::string_view trim(std::string_view s) {
  const auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

bool valid_id(std::string_view id) {
  return !id.empty() && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

// Which parameters `name` refers to: parse a value that every range contains and see what moved.
void mark_overrides(std::string_view name, std::array<bool, kPoseSize>& overrides) {
  const Pose probe = parse_pose(std::string(name) + "=0.5").pose;
  for (int i = 0; i < kPoseSize; ++i) {
    if (probe[i] != 0.0F) overrides[i] = true;
  }
}

}  // namespace

std::vector<ExpressionPreset> parse_expression_presets(std::string_view text, const std::string& source) {
  std::vector<ExpressionPreset> presets;
  std::istringstream lines{std::string(text)};
  std::string line;
  int number = 0;
  while (std::getline(lines, line)) {
    ++number;
    const std::string_view content = trim(std::string_view(line).substr(0, line.find('#')));
    if (content.empty()) continue;
    const std::string where = source + ":" + std::to_string(number) + ": ";
    const std::size_t colon = content.find(':');
    if (colon == std::string_view::npos) throw Error(where + "expected 'id: name=value, ...'");
    ExpressionPreset preset;
    preset.id = std::string(trim(content.substr(0, colon)));
    if (!valid_id(preset.id))
      throw Error(where + "preset id '" + preset.id + "' must be lower-case letters, digits or _");
    for (const auto& other : presets) {
      if (other.id == preset.id) throw Error(where + "preset '" + preset.id + "' is defined twice");
    }
    const std::string_view body = trim(content.substr(colon + 1));
    try {
      preset.values = parse_pose(body).pose;
      std::size_t start = 0;
      while (start <= body.size()) {
        const std::size_t comma = std::min(body.find(',', start), body.size());
        const std::string_view item = trim(body.substr(start, comma - start));
        if (!item.empty()) mark_overrides(trim(item.substr(0, item.find('='))), preset.overrides);
        start = comma + 1;
      }
    } catch (const PoseError& e) {
      throw Error(where + e.what());
    }
    presets.push_back(std::move(preset));
  }
  return presets;
}

std::vector<ExpressionPreset> read_expression_presets(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw Error("cannot read the expression presets '" + file.string() + "'");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_expression_presets(text.str(), file.string());
}

void ExpressionLayer::set_presets(std::vector<ExpressionPreset> presets) {
  std::vector<State> states(presets.size());
  for (std::size_t i = 0; i < presets.size(); ++i) {  // keep the state of presets that stay
    for (std::size_t j = 0; j < presets_.size(); ++j) {
      if (presets_[j].id == presets[i].id) states[i] = states_[j];
    }
  }
  presets_ = std::move(presets);
  states_ = std::move(states);
}

void ExpressionLayer::set_active(std::string_view id, bool active) {
  for (std::size_t i = 0; i < presets_.size(); ++i) {
    if (presets_[i].id == id) states_[i].active = active;
  }
}

bool ExpressionLayer::is_active(std::string_view id) const {
  for (std::size_t i = 0; i < presets_.size(); ++i) {
    if (presets_[i].id == id) return states_[i].active;
  }
  return false;
}

void ExpressionLayer::apply(Pose& pose, double now_s) {
  const double dt = last_s_ < 0.0 ? 0.0 : std::max(0.0, now_s - last_s_);
  last_s_ = now_s;
  const float step = fade_s_ > 0.0 ? static_cast<float>(dt / fade_s_) : 1.0F;
  for (std::size_t i = 0; i < presets_.size(); ++i) {
    State& state = states_[i];
    state.weight = std::clamp(state.weight + (state.active ? step : -step), 0.0F, 1.0F);
    if (state.weight <= 0.0F) continue;
    for (int p = 0; p < kPoseSize; ++p) {
      if (presets_[i].overrides[p]) pose[p] += (presets_[i].values[p] - pose[p]) * state.weight;
    }
  }
}

}  // namespace tha4::avatar
