#pragma once
// blog with the plugin's prefix, so users find our lines in OBS's log.

#include <util/base.h>

// The format must be a string literal: the prefix is joined to it at compile time.
#define THA4_LOG(level, ...) blog(level, "[tha4-avatar] " __VA_ARGS__)
