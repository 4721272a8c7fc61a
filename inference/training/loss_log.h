#pragma once
// The CSV of every loss term a run computes, one row per step: examples,lr,<term>...,total,seconds.
// Only rank 0 writes it. A resumed run first drops the rows past the state it resumed from, which it is about
// to compute again, so the file always describes one uninterrupted run.

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace tha4::training {

class LossLog {
 public:
  // Opens `file` keeping the rows with examples ≤ `keep_up_to_examples` (rewritten atomically), or starts it
  // with the header. Throws Error when the file cannot be written, or holds other columns.
  LossLog(std::filesystem::path file, std::vector<std::string> term_names, int64_t keep_up_to_examples);

  // Appends one row and flushes it.
  void append(int64_t examples_seen, double learning_rate, const std::vector<double>& terms, double total,
              double elapsed_seconds);

 private:
  std::filesystem::path file_;
  std::vector<std::string> term_names_;
  std::ofstream out_;
};

// A loss log read back (for plots and tests).
struct LossTable {
  std::vector<std::string> columns;       // the header
  std::vector<std::vector<double>> rows;  // one value per column
  // The index of `column`; throws Error when there is none.
  std::size_t column(const std::string& name) const;
};
// Throws Error naming the file and line for anything that is not such a CSV.
LossTable read_loss_log(const std::filesystem::path& file);

}  // namespace tha4::training
