#include "inference/training/progress_bar.h"

#include "inference/util/text_format.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace tha4::training {

ProgressBar::ProgressBar(std::string label, int64_t total_examples, int64_t start_examples, std::ostream& out,
                         bool interactive)
    : label_(std::move(label)),
      total_(total_examples),
      start_(start_examples),
      out_(out),
      interactive_(interactive),
      started_(std::chrono::steady_clock::now()),
      last_print_(started_),
      examples_seen_(start_examples) {}

std::string ProgressBar::format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const auto s = static_cast<int64_t>(std::llround(seconds));
  char text[32];
  if (s < 60) {
    std::snprintf(text, sizeof text, "%llds", static_cast<long long>(s));
  } else if (s < 3600) {
    std::snprintf(text, sizeof text, "%lldm %02llds", static_cast<long long>(s / 60), static_cast<long long>(s % 60));
  } else if (s < 86400) {
    std::snprintf(text, sizeof text, "%lldh %02lldm", static_cast<long long>(s / 3600),
                  static_cast<long long>(s % 3600 / 60));
  } else {
    std::snprintf(text, sizeof text, "%lldd %lldh", static_cast<long long>(s / 86400),
                  static_cast<long long>(s % 86400 / 3600));
  }
  return text;
}

std::string ProgressBar::line() const {
  const double fraction = total_ > 0 ? std::clamp(static_cast<double>(examples_seen_) / total_, 0.0, 1.0) : 1.0;
  constexpr int kWidth = 20;
  const int filled = static_cast<int>(fraction * kWidth);
  std::string bar = "[" + std::string(static_cast<std::size_t>(filled), '#') +
                    std::string(static_cast<std::size_t>(kWidth - filled), '.') + "]";
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  const double rate = elapsed > 0 ? static_cast<double>(examples_seen_ - start_) / elapsed : 0.0;
  const double left = rate > 0 ? static_cast<double>(total_ - examples_seen_) / rate : NAN;
  char head[160];
  std::snprintf(head, sizeof head, " %5.1f%% %s/%s  %.2f ex/s  elapsed %s  ETA %s", 100.0 * fraction,
                with_thousands(examples_seen_).c_str(), with_thousands(total_).c_str(), rate,
                format_duration(elapsed).c_str(), examples_seen_ >= total_ ? "0s" : format_duration(left).c_str());
  std::string text = label_ + " " + bar + head;
  for (const auto& [name, value] : terms_) {
    if (std::isnan(value)) continue;  // a term this phase does not compute (its CSV column reads nan)
    char term[64];
    std::snprintf(term, sizeof term, "  %s %.4g", name.c_str(), value);
    text += term;
  }
  char lr[32];
  std::snprintf(lr, sizeof lr, "  lr %.3g", learning_rate_);
  return text + lr;
}

void ProgressBar::update(int64_t examples_seen, const std::vector<std::pair<std::string, double>>& terms,
                         double learning_rate) {
  examples_seen_ = examples_seen;
  terms_ = terms;
  learning_rate_ = learning_rate;
  const auto now = std::chrono::steady_clock::now();
  const auto interval = interactive_ ? std::chrono::milliseconds(250) : std::chrono::milliseconds(30000);
  if (printed_ && now - last_print_ < interval) return;
  last_print_ = now;
  printed_ = true;
  if (interactive_) {
    out_ << "\r" << line() << "\x1b[K" << std::flush;  // erase what a longer earlier line left
  } else {
    out_ << line() << "\n" << std::flush;
  }
}

void ProgressBar::finish() {
  if (interactive_) {
    out_ << "\r" << line() << "\x1b[K\n" << std::flush;
  } else {
    out_ << line() << "\n" << std::flush;
  }
}

}  // namespace tha4::training
