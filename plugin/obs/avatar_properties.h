#pragma once
// The source's properties dialog. Works with data == NULL (OBS asks for a type's properties without an
// instance); with an instance it adds the live status line.

#include <obs.h>

namespace tha4::obs_plugin {

obs_properties_t* get_avatar_properties(void* data);

}  // namespace tha4::obs_plugin
