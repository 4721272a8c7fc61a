#pragma once
// The progress line of a training run: examples done of the total, examples per second, time left and the
// current loss terms. On a terminal it redraws one line in place a few times a second; into a file or a
// pipe it writes a line every half minute, so a log stays readable.

#include <chrono>
#include <cstdint>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace tha4::training {

class ProgressBar {
 public:
  // `start_examples`: where this session starts (a resumed run's rate counts only its own steps).
  ProgressBar(std::string label, int64_t total_examples, int64_t start_examples, std::ostream& out, bool interactive);

  void update(int64_t examples_seen, const std::vector<std::pair<std::string, double>>& terms, double learning_rate);
  // Prints the final state and ends the line.
  void finish();

  // "1h 05m", "42s", "3d 4h": a duration for humans.
  static std::string format_duration(double seconds);

 private:
  std::string line() const;

  std::string label_;
  int64_t total_;
  int64_t start_;
  std::ostream& out_;
  bool interactive_;
  std::chrono::steady_clock::time_point started_;
  std::chrono::steady_clock::time_point last_print_;
  int64_t examples_seen_;
  std::vector<std::pair<std::string, double>> terms_;
  double learning_rate_ = 0;
  bool printed_ = false;
};

}  // namespace tha4::training
