#pragma once
// obs_data_t settings -> AvatarSettings, and the defaults of every setting (both from setting_table.h).

#include "plugin/runtime/avatar_settings.h"

#include <obs-data.h>

namespace tha4::obs_plugin {

avatar::AvatarSettings read_settings(obs_data_t* settings);
void set_default_settings(obs_data_t* settings);

}  // namespace tha4::obs_plugin
