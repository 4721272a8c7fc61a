#include "inference/training/training_state.h"

#include "inference/training/fault_injection.h"
#include "inference/training/state_layout.h"
#include "inference/util/atomic_file.h"
#include "inference/util/errors.h"
#include "inference/weights/tensor_archive_writer.h"

#include <algorithm>
#include <fstream>
#include <sstream>

namespace tha4::training {
namespace {

namespace fs = std::filesystem;

// The temporary names beside a state folder `target` while it is written and swapped.
fs::path partial_folder(const fs::path& target) {
  return target.parent_path() / ("." + target.filename().string() + ".partial");
}
fs::path replaced_folder(const fs::path& target) {
  return target.parent_path() / ("." + target.filename().string() + ".replaced");
}

void remove_folder(const fs::path& folder) {
  std::error_code ec;
  fs::remove_all(folder, ec);
}

std::string read_text(const fs::path& file) {
  std::ifstream in(file);
  if (!in) throw Error("cannot read " + file.string());
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::optional<int64_t> parse_count(const std::string& text) {
  std::size_t used = 0;
  try {
    const long long value = std::stoll(text, &used);
    while (used < text.size() && std::isspace(static_cast<unsigned char>(text[used]))) ++used;
    if (used != text.size() || value < 0) return std::nullopt;
    return static_cast<int64_t>(value);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Cleans up after writes that a kill interrupted, in `parent` (the run folder or its checkpoint folder). A
// kill between the two renames of a swap leaves the old folder aside and none under the real name: the old
// one goes back (the new one is dropped with the other partial folders).
void recover_interrupted_writes(const fs::path& parent) {
  std::error_code ec;
  if (!fs::is_directory(parent, ec)) return;
  std::vector<fs::path> entries;
  for (const auto& entry : fs::directory_iterator(parent, ec)) entries.push_back(entry.path());
  for (const auto& entry : entries) {
    const std::string name = entry.filename().string();
    if (name.size() < 2 || name[0] != '.') continue;
    if (ends_with(name, ".replaced")) {
      const fs::path target = parent / name.substr(1, name.size() - 1 - std::string(".replaced").size());
      if (!fs::exists(target, ec)) {
        fs::rename(entry, target, ec);
      } else {
        remove_folder(entry);
      }
    }
  }
  for (const auto& entry : entries) {
    if (ends_with(entry.filename().string(), ".partial")) remove_folder(entry);
  }
}

}  // namespace

void write_training_state(const fs::path& target, const TrainingState& state) {
  const fs::path partial = partial_folder(target);
  remove_folder(partial);
  std::error_code ec;
  fs::create_directories(partial, ec);
  if (ec) throw Error("cannot create " + partial.string() + ": " + ec.message());

  write_tensor_archive(partial / kModuleFile, state.module);
  fault_injection_point(FaultPoint::kDuringSave);
  write_tensor_archive(partial / kOptimizerFile, state.optimizer);
  for (std::size_t rank = 0; rank < state.rng_states.size(); ++rank) {
    write_tensor_archive(partial / rng_state_file_name(static_cast<int>(rank)), {{"state", state.rng_states[rank]}});
  }
  // Written last: a folder with this file has everything else.
  write_file_atomically(partial / kExamplesSeenFile, std::to_string(state.examples_seen) + "\n");
  sync_directory(partial);

  const fs::path aside = replaced_folder(target);
  remove_folder(aside);
  if (fs::exists(target, ec)) {
    fs::rename(target, aside, ec);
    if (ec) throw Error("cannot move " + target.string() + " aside: " + ec.message());
  }
  fault_injection_point(FaultPoint::kDuringSave);
  fs::rename(partial, target, ec);
  if (ec) throw Error("cannot rename " + partial.string() + " to " + target.string() + ": " + ec.message());
  sync_directory(target.parent_path());
  remove_folder(aside);
}

std::optional<int64_t> read_examples_seen(const fs::path& folder) {
  try {
    return parse_count(read_text(folder / kExamplesSeenFile));
  } catch (const Error&) {
    return std::nullopt;
  }
}

TrainingState read_training_state(const fs::path& folder) {
  TrainingState state;
  const auto examples = read_examples_seen(folder);
  if (!examples) throw Error((folder / kExamplesSeenFile).string() + " is missing or does not hold a count");
  state.examples_seen = *examples;
  state.module = read_tensor_archive(folder / kModuleFile);
  state.optimizer = read_tensor_archive(folder / kOptimizerFile);
  for (int rank = 0;; ++rank) {
    const fs::path file = folder / rng_state_file_name(rank);
    std::error_code ec;
    if (!fs::exists(file, ec)) break;
    state.rng_states.push_back(find_tensor(read_tensor_archive(file), "state", file.string()));
  }
  return state;
}

std::vector<int64_t> list_checkpoints(const fs::path& run) {
  std::vector<int64_t> numbers;
  std::error_code ec;
  const fs::path folder = run / kCheckpointFolder;
  if (!fs::is_directory(folder, ec)) return numbers;
  for (const auto& entry : fs::directory_iterator(folder, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name[0] == '.' || !entry.is_directory(ec)) continue;
    if (const auto number = parse_count(name)) numbers.push_back(*number);
  }
  std::sort(numbers.begin(), numbers.end());
  return numbers;
}

std::optional<FoundState> find_newest_training_state(const fs::path& run, int64_t max_examples,
                                                     std::vector<std::string>& notes) {
  recover_interrupted_writes(run);
  recover_interrupted_writes(run / kCheckpointFolder);
  std::vector<fs::path> candidates{snapshot_folder(run)};
  for (const int64_t number : list_checkpoints(run)) candidates.push_back(checkpoint_folder(run, number));

  std::vector<std::pair<int64_t, fs::path>> ordered;
  std::error_code ec;
  for (const auto& candidate : candidates) {
    if (!fs::is_directory(candidate, ec)) continue;
    const auto examples = read_examples_seen(candidate);
    if (!examples) {
      notes.push_back("skipped " + candidate.string() + ": it records no examples count");
    } else if (*examples <= max_examples) {
      ordered.emplace_back(*examples, candidate);
    }
  }
  // Newest first; for equal counts the snapshot (listed first) wins.
  std::stable_sort(ordered.begin(), ordered.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  for (const auto& [examples, folder] : ordered) {
    try {
      return FoundState{folder, read_training_state(folder)};
    } catch (const Error& error) {
      notes.push_back("skipped " + folder.string() + ": " + error.what());
    }
  }
  return std::nullopt;
}

}  // namespace tha4::training
