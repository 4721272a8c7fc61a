// libFuzzer target: expression preset files (data/expressions.txt, which users edit). Every accepted
// preset has a valid id, finite values inside their ranges, and overrides only what it names.

#include "inference/util/errors.h"
#include "plugin/runtime/expression_presets.h"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tha4;
  std::vector<avatar::ExpressionPreset> presets;
  try {
    presets = avatar::parse_expression_presets(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz");
  } catch (const Error&) {
    return 0;
  }
  for (const auto& preset : presets) {
    if (preset.id.empty()) std::abort();
    for (int i = 0; i < kPoseSize; ++i) {
      const auto& parameter = pose_parameters()[static_cast<std::size_t>(i)];
      const float value = preset.values[static_cast<std::size_t>(i)];
      if (!std::isfinite(value) || value < parameter.min || value > parameter.max) std::abort();
      if (!preset.overrides[static_cast<std::size_t>(i)] && value != 0.0F) std::abort();
    }
  }
  return 0;
}
