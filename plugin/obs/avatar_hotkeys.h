#pragma once
// The source's hotkeys: one per expression preset (held, or toggled, per the source's setting),
// "calibrate neutral face" and "pause tracking". Registered per source, so each avatar has its own.

#include <obs.h>

#include <string>

namespace tha4::obs_plugin {

struct AvatarSource;

struct HotkeyBinding {
  AvatarSource* avatar = nullptr;
  std::string preset;  // empty for the calibrate and pause hotkeys
  obs_hotkey_id id = OBS_INVALID_HOTKEY_ID;
};

void register_hotkeys(AvatarSource& avatar);
void unregister_hotkeys(AvatarSource& avatar);

}  // namespace tha4::obs_plugin
