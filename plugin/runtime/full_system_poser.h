#pragma once
// The full THA4 system (the teacher, spec §4) behind a source: a folder of the five official weight files
// plus a character picture. Slow on a CPU (seconds per frame), so the source shows it at a few frames a
// minute there; on a GPU it is the highest-quality path.

#include "plugin/runtime/avatar_poser.h"

#include <filesystem>

namespace tha4::avatar {

// True when `folder` holds the full system's weight files rather than a student character model.
bool is_full_system_folder(const std::filesystem::path& folder);

// Loads the full system from `settings.model_folder` with `settings.character_image` on `device` (as a
// string: "cpu", "cuda:0"). Throws tha4::Error subclasses with a message for the user.
std::unique_ptr<AvatarPoser> load_full_system_poser(const AvatarSettings& settings, const std::string& device);

}  // namespace tha4::avatar
