#include "plugin/obs/preset_labels.h"

#include <obs-module.h>

namespace tha4::obs_plugin {

std::string preset_label(const std::string& id) {
  const std::string key = "Expression." + id;
  const char* text = nullptr;
  return obs_module_get_string(key.c_str(), &text) && text ? text : id;
}

}  // namespace tha4::obs_plugin
