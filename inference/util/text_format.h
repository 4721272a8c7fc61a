#pragma once
// Numbers for people to read in progress lines and status texts.

#include <cstdint>
#include <string>

namespace tha4 {

// 1234567 -> "1,234,567".
inline std::string with_thousands(int64_t value) {
  std::string digits = std::to_string(value);
  const int first = digits[0] == '-' ? 1 : 0;
  for (int i = static_cast<int>(digits.size()) - 3; i > first; i -= 3) digits.insert(static_cast<std::size_t>(i), ",");
  return digits;
}

}  // namespace tha4
