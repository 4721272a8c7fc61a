// The OBS module: registers the "THA4 Avatar" source and nothing else. No LibTorch, CUDA, camera or network
// work happens here (each source starts its own lazily, on its worker), so loading OBS stays fast.
#include "plugin/obs/avatar_source.h"
#include "plugin/obs/plugin_log.h"
#include "plugin/runtime/expression_presets.h"
#include "plugin/runtime/runtime_reaper.h"

#include <obs-module.h>

#include <exception>

OBS_DECLARE_MODULE()
OBS_MODULE_USE_DEFAULT_LOCALE("tha4-avatar", "en-US")

MODULE_EXPORT const char* obs_module_description(void) { return obs_module_text("ModuleDescription"); }

namespace {

std::vector<tha4::avatar::ExpressionPreset> load_presets() {
  char* file = obs_module_file("expressions.txt");
  if (!file) {
    THA4_LOG(LOG_WARNING, "data/expressions.txt is missing: no expression presets");
    return {};
  }
  std::vector<tha4::avatar::ExpressionPreset> presets;
  try {
    presets = tha4::avatar::read_expression_presets(file);
  } catch (const std::exception& e) {
    THA4_LOG(LOG_WARNING, "expression presets not loaded: %s", e.what());
  }
  bfree(file);
  return presets;
}

}  // namespace

bool obs_module_load(void) {
  auto presets = load_presets();
  const std::size_t count = presets.size();
  tha4::obs_plugin::register_avatar_source(std::move(presets));
  THA4_LOG(LOG_INFO, "loaded (version %s, %zu expression presets)", THA4_VERSION, count);
  return true;
}

void obs_module_unload(void) {
  // Sources destroyed last hand their runtimes to the reaper; they must be joined while this code is loaded.
  tha4::avatar::drain_retired_runtimes();
  THA4_LOG(LOG_INFO, "unloaded");
}
