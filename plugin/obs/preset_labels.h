#pragma once
// A preset's label in the user's language: the locale's "Expression.<id>", or the id for presets a user
// added to data/expressions.txt without a translation.

#include <string>

namespace tha4::obs_plugin {

std::string preset_label(const std::string& id);

}  // namespace tha4::obs_plugin
