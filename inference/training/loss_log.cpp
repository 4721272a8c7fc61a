#include "inference/training/loss_log.h"

#include "inference/util/atomic_file.h"
#include "inference/util/errors.h"

#include <cmath>
#include <cstdio>
#include <sstream>

namespace tha4::training {
namespace {

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> fields;
  std::stringstream stream(line);
  std::string field;
  while (std::getline(stream, field, ',')) fields.push_back(field);
  if (!line.empty() && line.back() == ',') fields.emplace_back();
  return fields;
}

std::string header(const std::vector<std::string>& term_names) {
  std::string text = "examples,lr";
  for (const auto& name : term_names) text += "," + name;
  return text + ",total,seconds";
}

// Shortest text that reads back to the same double (so a resumed run's rows equal an uninterrupted run's).
std::string exact(double value) {
  char text[40];
  std::snprintf(text, sizeof text, "%.17g", value);
  return text;
}

}  // namespace

LossLog::LossLog(std::filesystem::path file, std::vector<std::string> term_names, int64_t keep_up_to_examples)
    : file_(std::move(file)), term_names_(std::move(term_names)) {
  const std::string expected_header = header(term_names_);
  std::string kept = expected_header + "\n";
  std::error_code ec;
  if (std::filesystem::exists(file_, ec)) {
    std::ifstream in(file_);
    std::string line;
    std::getline(in, line);
    const std::size_t column_count = split(expected_header).size();
    if (line != expected_header) {
      throw Error(file_.string() + " has the columns '" + line + "', not '" + expected_header +
                  "': it belongs to another kind of run (move it away to start over)");
    }
    while (std::getline(in, line)) {
      if (line.empty()) continue;
      const auto fields = split(line);
      try {
        // A line a kill tore has too few fields: dropped.
        if (fields.size() == column_count && std::stoll(fields[0]) <= keep_up_to_examples) kept += line + "\n";
      } catch (const std::exception&) {
      }
    }
  }
  write_file_atomically(file_, kept);
  out_.open(file_, std::ios::app);
  if (!out_) throw Error("cannot append to " + file_.string());
}

void LossLog::append(int64_t examples_seen, double learning_rate, const std::vector<double>& terms, double total,
                     double elapsed_seconds) {
  std::string line = std::to_string(examples_seen) + "," + exact(learning_rate);
  for (const double term : terms) line += "," + exact(term);
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%.3f", elapsed_seconds);
  line += "," + exact(total) + "," + seconds + "\n";
  out_ << line;
  out_.flush();
}

std::size_t LossTable::column(const std::string& name) const {
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (columns[i] == name) return i;
  }
  throw Error("the loss log has no column '" + name + "'");
}

LossTable read_loss_log(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw Error("cannot read the loss log " + file.string());
  LossTable table;
  std::string line;
  if (!std::getline(in, line) || line.rfind("examples,", 0) != 0) {
    throw Error(file.string() + " is not a loss log (its first line is not a header starting with 'examples,')");
  }
  table.columns = split(line);
  for (int number = 2; std::getline(in, line); ++number) {
    if (line.empty()) continue;
    const auto fields = split(line);
    if (fields.size() != table.columns.size()) {
      throw Error(file.string() + ":" + std::to_string(number) + ": " + std::to_string(fields.size()) +
                  " fields, the header has " + std::to_string(table.columns.size()));
    }
    std::vector<double> row;
    for (const auto& field : fields) {
      try {
        std::size_t used = 0;
        row.push_back(std::stod(field, &used));
        if (used != field.size()) throw std::invalid_argument(field);
      } catch (const std::exception&) {
        throw Error(file.string() + ":" + std::to_string(number) + ": '" + field + "' is not a number");
      }
    }
    table.rows.push_back(std::move(row));
  }
  return table;
}

}  // namespace tha4::training
