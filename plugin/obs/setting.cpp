#include "plugin/obs/setting_table.h"

#include <cstring>
#include <stdexcept>
#include <string>
#include <utility>

namespace tha4::obs_plugin {

Setting&& Setting::with_help(const char* help_key) && {
  help = help_key;
  return std::move(*this);
}

Setting&& Setting::with_range(double min, double max, double step) && {
  range = {min, max, step};
  return std::move(*this);
}

Setting&& Setting::with_suffix(const char* text) && {
  suffix = text;
  return std::move(*this);
}

Setting&& Setting::with_file_filter(const char* filter) && {
  file_filter = filter;
  return std::move(*this);
}

Setting&& Setting::with_choices(std::vector<Choice> list) && {
  choices = std::move(list);
  return std::move(*this);
}

Setting&& Setting::with_default(const char* (*text)()) && {
  default_text = text;
  return std::move(*this);
}

void Setting::set_default(obs_data_t* data) const {
  if (access.set_default) access.set_default(*this, data);
}

void Setting::read(obs_data_t* data, avatar::AvatarSettings& settings) const {
  if (access.read) access.read(*this, data, settings);
}

const Choice* Setting::saved_choice(obs_data_t* data) const {
  if (widget == Widget::kNumberList) {
    const long long saved = obs_data_get_int(data, key);
    for (const Choice& choice : choices) {
      if (choice.saved_number == saved) return &choice;
    }
    return nullptr;
  }
  const char* saved = obs_data_get_string(data, key);
  for (const Choice& choice : choices) {
    if (saved && std::strcmp(choice.saved_text, saved) == 0) return &choice;
  }
  return nullptr;
}

const Choice& Setting::choice_for(int enumerator) const {
  for (const Choice& choice : choices) {
    if (choice.enumerator == enumerator) return choice;
  }
  // A table error, found the first time OBS asks for the defaults.
  throw std::logic_error(std::string("the setting '") + key + "' has no list value for its default");
}

}  // namespace tha4::obs_plugin
