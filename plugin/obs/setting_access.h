#pragma once
// SettingAccess for any AvatarSettings member, from the member's path:
//   access_to<&AvatarSettings::cuda_device>()
//   access_to<&AvatarSettings::pose_tuning, &tracking::PoseTuning::mirror>()  (a member of a member)
// The member's type picks the obs_data call; its initializer in a default AvatarSettings is the default.

#include "plugin/obs/setting_table.h"

#include <obs-data.h>

#include <string>
#include <type_traits>
#include <utility>

namespace tha4::obs_plugin {
namespace setting_access_detail {

template <auto... path>
auto& member(avatar::AvatarSettings& settings) {
  return (settings.*....*path);
}

template <auto... path>
struct MemberAccess {
  using Value = std::remove_reference_t<decltype(member<path...>(std::declval<avatar::AvatarSettings&>()))>;

  static void set_default(const Setting& setting, obs_data_t* data) {
    avatar::AvatarSettings defaults;
    const Value& value = member<path...>(defaults);
    if constexpr (std::is_same_v<Value, bool>) {
      obs_data_set_default_bool(data, setting.key, value);
    } else if constexpr (std::is_integral_v<Value>) {
      obs_data_set_default_int(data, setting.key, value);
    } else if constexpr (std::is_floating_point_v<Value>) {
      obs_data_set_default_double(data, setting.key, value);
    } else if constexpr (std::is_enum_v<Value>) {
      const Choice& choice = setting.choice_for(static_cast<int>(value));
      if (choice.saved_text) {
        obs_data_set_default_string(data, setting.key, choice.saved_text);
      } else {
        obs_data_set_default_int(data, setting.key, choice.saved_number);
      }
    } else {
      static_assert(std::is_same_v<Value, std::string>, "a setting is a bool, number, enum or string");
      obs_data_set_default_string(data, setting.key, setting.default_text ? setting.default_text() : value.c_str());
    }
  }

  static void read(const Setting& setting, obs_data_t* data, avatar::AvatarSettings& settings) {
    Value& value = member<path...>(settings);
    if constexpr (std::is_same_v<Value, bool>) {
      value = obs_data_get_bool(data, setting.key);
    } else if constexpr (std::is_integral_v<Value>) {
      value = static_cast<Value>(obs_data_get_int(data, setting.key));
    } else if constexpr (std::is_floating_point_v<Value>) {
      value = static_cast<Value>(obs_data_get_double(data, setting.key));
    } else if constexpr (std::is_enum_v<Value>) {
      if (const Choice* choice = setting.saved_choice(data)) value = static_cast<Value>(choice->enumerator);
    } else {
      const char* text = obs_data_get_string(data, setting.key);
      value = text ? text : "";
    }
  }
};

}  // namespace setting_access_detail

template <auto... path>
SettingAccess access_to() {
  using Access = setting_access_detail::MemberAccess<path...>;
  return {&Access::set_default, &Access::read};
}

}  // namespace tha4::obs_plugin
