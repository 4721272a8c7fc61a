#pragma once
// UTF-8 validation for text read from files (pickled names), which may hold any bytes.

#include <string>

namespace tha4 {

// True when `text` is well-formed UTF-8: no stray continuation bytes, no overlong forms, nothing above U+10FFFF.
bool is_valid_utf8(const std::string& text);

}  // namespace tha4
