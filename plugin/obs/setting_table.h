#pragma once
// Every setting of the avatar source, described once: its saved key, how the properties dialog shows it
// (label, tooltip, range, list values) and the AvatarSettings member it fills, whose initializer is its
// default unless the row names another. The defaults, read_settings and the properties dialog all walk this
// table, so an ordinary new setting is one row in setting_table.cpp, the member and its locale lines.
// Saved names are lower_case and locale keys CamelCase ("Engine.Auto"): the locale test tells them apart so.

#include "plugin/runtime/avatar_settings.h"

#include <obs-data.h>

#include <vector>

namespace tha4::obs_plugin {

// How the properties dialog shows a setting. The kinds from kVideoSources on are lists that avatar_properties.cpp
// fills when the dialog opens, or not settings at all.
enum class Widget {
  kCheckbox,
  kInteger,  // a spin box over the row's range
  kSlider,   // a float slider over the row's range
  kText,
  kFolder,
  kFile,                // with the row's file filter
  kList,                // the row's choices, saved as text
  kNumberList,          // the row's choices, saved as numbers
  kVideoSources,        // OBS's video sources, saved by name
  kAudioSources,        // OBS's audio sources, saved by name
  kCameraDevices,       // /dev/video*, or any path typed in
  kExpressions,         // the expression presets, saved by id
  kCalibrateButton,     // not a setting: nothing is saved
  kDistillStartButton,  // "make a real-time model of this picture": sets the distill_* settings
  kDistillStopButton,
  kHidden,  // saved, never shown
};

struct NumberRange {
  double min = 0.0;
  double max = 0.0;
  double step = 1.0;
};

// One value of a list setting. Saved values are part of scene collections: never change one.
struct Choice {
  template <typename Enum>
  Choice(const char* saved, const char* label_key, Enum value)
      : saved_text(saved), label(label_key), enumerator(static_cast<int>(value)) {}
  template <typename Enum>
  Choice(int saved, const char* label_key, Enum value)
      : saved_number(saved), label(label_key), enumerator(static_cast<int>(value)) {}

  const char* saved_text = nullptr;  // Widget::kList
  long long saved_number = 0;        // Widget::kNumberList
  const char* label;                 // locale key
  int enumerator;                    // the AvatarSettings enum value it stands for
};

struct Setting;

// Moves one setting between obs_data_t and its AvatarSettings member, whatever the member's type.
struct SettingAccess {
  void (*set_default)(const Setting& setting, obs_data_t* data) = nullptr;
  void (*read)(const Setting& setting, obs_data_t* data, avatar::AvatarSettings& settings) = nullptr;
};

struct Setting {
  const char* key = nullptr;  // saved in scene collections: never rename one
  Widget widget = Widget::kHidden;
  const char* label = nullptr;              // locale key
  const char* help = nullptr;               // locale key of the tooltip
  NumberRange range;                        // kInteger, kSlider
  const char* suffix = nullptr;             // kSlider
  const char* file_filter = nullptr;        // kFile
  std::vector<Choice> choices;              // kList, kNumberList
  const char* (*default_text)() = nullptr;  // a text setting's default, when not its member's initializer
  SettingAccess access;                     // empty for kCalibrateButton

  // For the table's rows.
  Setting&& with_help(const char* help_key) &&;
  Setting&& with_range(double min, double max, double step) &&;
  Setting&& with_suffix(const char* text) &&;
  Setting&& with_file_filter(const char* filter) &&;
  Setting&& with_choices(std::vector<Choice> list) &&;
  Setting&& with_default(const char* (*text)()) &&;

  void set_default(obs_data_t* data) const;
  void read(obs_data_t* data, avatar::AvatarSettings& settings) const;
  // The choice saved in `data`, or nullptr for a value no choice has (the member keeps its default).
  const Choice* saved_choice(obs_data_t* data) const;
  // The choice that stands for `enumerator`; every list's member default must have one.
  const Choice& choice_for(int enumerator) const;
};

// A group of the properties dialog.
struct SettingGroup {
  const char* name;   // the group property's name (not saved)
  const char* label;  // locale key; nullptr: the settings are not shown
  std::vector<Setting> settings;
};

const std::vector<SettingGroup>& setting_table();

}  // namespace tha4::obs_plugin
