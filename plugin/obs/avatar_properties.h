#pragma once
// The source's properties dialog, built from setting_table.h. Code adds only what a table row cannot say: the
// lists found when the dialog opens, the calibrate button's action, which settings show or hide others, and
// the live status line. Works with data == NULL (OBS asks for a type's properties without an instance); with
// an instance it adds the status line.

#include <obs.h>

namespace tha4::obs_plugin {

obs_properties_t* get_avatar_properties(void* data);

}  // namespace tha4::obs_plugin
