#pragma once
// obs_data_t settings -> AvatarSettings, and the defaults of every setting.

#include "plugin/runtime/avatar_settings.h"

#include <obs-data.h>

namespace tha4::obs_plugin {

avatar::AvatarSettings read_settings(obs_data_t* settings);
void set_default_settings(obs_data_t* settings);
// The default character folder: $THA4_MODELS/lambda_00 when it exists, else empty (the user picks one).
const char* default_model_folder();

}  // namespace tha4::obs_plugin
