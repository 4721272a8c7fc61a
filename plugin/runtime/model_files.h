#pragma once
// What is on disk for a source's model, cheaply: the name, size and modification time of every file the
// model folder (or distillation prefix) and the character image consist of. Two equal signatures mean
// nothing was added, removed, replaced or rewritten; the worker compares them about once a second, so a
// weight file that is restored, damaged or replaced is noticed without touching the settings.

#include "plugin/runtime/avatar_settings.h"

#include <string>

namespace tha4::avatar {

// Never throws: files that cannot be read count as absent.
std::string model_files_signature(const AvatarSettings& settings);

}  // namespace tha4::avatar
