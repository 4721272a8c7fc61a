#pragma once
// <run>/progress.txt: rank 0's progress in a few "key value" lines, rewritten whole (write-then-rename) at
// most once a second, for a program that watches a run it started (the OBS source's "make a real-time model"):
//
//   examples 12000
//   total 2500000
//   examples_per_second 0.52
//   seconds_left 4791234       (-1: not known yet)
//   finished 0
//
// Header-only, no LibTorch: the OBS plugin reads it.

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

namespace tha4::training {

inline constexpr const char* kProgressFile = "progress.txt";

struct TrainingProgress {
  int64_t examples = 0;
  int64_t total = 0;
  double examples_per_second = 0.0;
  double seconds_left = -1.0;
  bool finished = false;

  double fraction() const { return total > 0 ? std::min(1.0, static_cast<double>(examples) / total) : 0.0; }
};

inline std::string format_training_progress(const TrainingProgress& progress) {
  char text[256];
  std::snprintf(text, sizeof text,
                "examples %lld\ntotal %lld\nexamples_per_second %.6g\nseconds_left %.6g\nfinished %d\n",
                static_cast<long long>(progress.examples), static_cast<long long>(progress.total),
                progress.examples_per_second, progress.seconds_left, progress.finished ? 1 : 0);
  return text;
}

// Nothing when a key is missing, repeated or unknown, a value does not read or is out of range.
inline std::optional<TrainingProgress> parse_training_progress(const std::string& text) {
  TrainingProgress progress;
  std::istringstream lines(text);
  std::string key;
  int seen = 0;
  while (lines >> key) {
    int bit = 0;
    bool ok = false;
    if (key == "examples") {
      bit = 1, ok = static_cast<bool>(lines >> progress.examples) && progress.examples >= 0;
    } else if (key == "total") {
      bit = 2, ok = static_cast<bool>(lines >> progress.total) && progress.total > 0;
    } else if (key == "examples_per_second") {
      bit = 4, ok = static_cast<bool>(lines >> progress.examples_per_second) &&
                    std::isfinite(progress.examples_per_second) && progress.examples_per_second >= 0.0;
    } else if (key == "seconds_left") {
      bit = 8, ok = static_cast<bool>(lines >> progress.seconds_left) && std::isfinite(progress.seconds_left);
    } else if (key == "finished") {
      int finished = 0;
      bit = 16, ok = static_cast<bool>(lines >> finished) && (finished == 0 || finished == 1);
      progress.finished = finished == 1;
    }
    if (!ok || (seen & bit) != 0) return std::nullopt;
    seen |= bit;
  }
  if (seen != 31 || progress.examples > progress.total) return std::nullopt;
  return progress;
}

// <run>/progress.txt read and parsed; nothing when it is missing or malformed.
inline std::optional<TrainingProgress> read_training_progress(const std::filesystem::path& run) {
  std::ifstream in(run / kProgressFile);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  return parse_training_progress(text.str());
}

}  // namespace tha4::training
