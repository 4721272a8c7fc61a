#include "plugin/obs/avatar_hotkeys.h"

#include "plugin/obs/avatar_source.h"
#include "plugin/obs/preset_labels.h"

#include <obs-module.h>

#include <memory>

namespace tha4::obs_plugin {
namespace {

void on_preset(void* data, obs_hotkey_id, obs_hotkey_t*, bool pressed) {
  auto* binding = static_cast<HotkeyBinding*>(data);
  avatar::AvatarRuntime& runtime = *binding->avatar->runtime;
  if (binding->avatar->toggle_presets.load()) {
    if (pressed) runtime.set_expression_active(binding->preset, !runtime.expression_active(binding->preset));
  } else {
    runtime.set_expression_active(binding->preset, pressed);
  }
}

void on_calibrate(void* data, obs_hotkey_id, obs_hotkey_t*, bool pressed) {
  if (pressed) static_cast<HotkeyBinding*>(data)->avatar->runtime->calibrate();
}

void on_pause(void* data, obs_hotkey_id, obs_hotkey_t*, bool pressed) {
  if (!pressed) return;
  avatar::AvatarRuntime& runtime = *static_cast<HotkeyBinding*>(data)->avatar->runtime;
  runtime.set_tracking_paused(!runtime.tracking_paused());
}

void add(AvatarSource& avatar, const std::string& name, const std::string& description, obs_hotkey_func func,
         const std::string& preset = "") {
  auto binding = std::make_unique<HotkeyBinding>();
  binding->avatar = &avatar;
  binding->preset = preset;
  binding->id = obs_hotkey_register_source(avatar.source, name.c_str(), description.c_str(), func, binding.get());
  avatar.hotkeys.push_back(std::move(binding));
}

}  // namespace

void register_hotkeys(AvatarSource& avatar) {
  add(avatar, "tha4_avatar.calibrate", obs_module_text("Hotkey.Calibrate"), on_calibrate);
  add(avatar, "tha4_avatar.pause_tracking", obs_module_text("Hotkey.PauseTracking"), on_pause);
  for (const auto& preset : module_presets()) {
    add(avatar, "tha4_avatar.expression." + preset.id,
        std::string(obs_module_text("Hotkey.Expression")) + ": " + preset_label(preset.id), on_preset, preset.id);
  }
}

void unregister_hotkeys(AvatarSource& avatar) {
  for (const auto& binding : avatar.hotkeys) obs_hotkey_unregister(binding->id);
  avatar.hotkeys.clear();
}

}  // namespace tha4::obs_plugin
