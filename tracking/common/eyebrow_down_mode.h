#pragma once
// Which of THA4's eyebrow morphs a lowered brow drives: a user setting shared by every tracker.

namespace tha4::tracking {

enum class EyebrowDownMode { kTroubled, kAngry, kLowered, kSerious };

}  // namespace tha4::tracking
