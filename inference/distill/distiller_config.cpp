#include "inference/distill/distiller_config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <functional>
#include <sstream>
#include <vector>

namespace tha4::distill {
namespace {

constexpr std::array<int64_t, 3> kSampleIntervals = {10000, 100000, 1000000};

// Reads one key, collecting what is wrong instead of stopping at the first problem.
class ConfigReader {
 public:
  explicit ConfigReader(const YAML::Node& root) : root_(root) {}

  const std::vector<std::string>& problems() const { return problems_; }
  void problem(const std::string& text) { problems_.push_back(text); }

  std::optional<std::string> scalar(const char* key, bool required) {
    const YAML::Node node = root_[key];
    if (!node || node.IsNull()) {
      if (required) problem(std::string(key) + " is required");
      return std::nullopt;
    }
    if (!node.IsScalar()) {
      problem(std::string(key) + " must be a single value");
      return std::nullopt;
    }
    return node.Scalar();
  }

  void path(const char* key, std::filesystem::path& out) {
    if (const auto text = scalar(key, true)) {
      if (text->empty()) {
        problem(std::string(key) + " is empty");
      } else {
        out = *text;
      }
    }
  }

  // An unsigned integer within [min, max], written in decimal digits (no sign, no fraction).
  std::optional<uint64_t> unsigned_integer(const char* key, uint64_t min, uint64_t max) {
    const auto text = scalar(key, false);
    if (!text) return std::nullopt;
    const bool digits =
        !text->empty() && std::all_of(text->begin(), text->end(), [](char c) { return c >= '0' && c <= '9'; });
    uint64_t value = 0;
    bool overflow = false;
    if (digits) {
      for (const char c : *text) {
        const auto digit = static_cast<uint64_t>(c - '0');
        if (value > (UINT64_MAX - digit) / 10) overflow = true;
        value = value * 10 + digit;
      }
    }
    if (!digits || overflow || value < min || value > max) {
      problem(std::string(key) + " is '" + *text + "'; it must be an integer from " + std::to_string(min) + " to " +
              std::to_string(max));
      return std::nullopt;
    }
    return value;
  }

  void seed(const char* key, uint64_t& out) {
    if (const auto value = unsigned_integer(key, 0, UINT64_MAX)) out = *value;
  }

  void count(const char* key, int64_t& out, int64_t min, int64_t max) {
    if (const auto value = unsigned_integer(key, static_cast<uint64_t>(min), static_cast<uint64_t>(max))) {
      out = static_cast<int64_t>(*value);
    }
  }

  void sample_interval(const char* key, std::optional<int64_t>& out) {
    const YAML::Node node = root_[key];
    if (!node) return;  // the default
    if (node.IsNull()) {
      out.reset();
      return;
    }
    const auto text = node.IsScalar() ? std::optional<std::string>(node.Scalar()) : std::nullopt;
    for (const int64_t allowed : kSampleIntervals) {
      if (text && *text == std::to_string(allowed)) {
        out = allowed;
        return;
      }
    }
    problem(std::string(key) + " is '" + (text ? *text : "?") + "'; it must be 10000, 100000, 1000000 or null");
  }

 private:
  const YAML::Node& root_;
  std::vector<std::string> problems_;
};

const std::vector<std::string>& known_keys() {
  static const std::vector<std::string> keys = {
      "prefix",
      "character_image_file_name",
      "face_mask_image_file_name",
      "face_morpher_random_seed_0",
      "face_morpher_random_seed_1",
      "face_morpher_num_training_examples_per_sample_output",
      "face_morpher_batch_size",
      "body_morpher_random_seed_0",
      "body_morpher_random_seed_1",
      "body_morpher_num_training_examples_per_sample_output",
      "body_morpher_batch_size",
      "num_cpu_workers",
      "num_gpus",
  };
  return keys;
}

std::string interval_text(const std::optional<int64_t>& interval) {
  return interval ? std::to_string(*interval) : "null";
}

// Paths are quoted: a folder name may hold characters YAML would read otherwise.
std::string quoted(const std::filesystem::path& path) {
  YAML::Emitter out;
  out << YAML::DoubleQuoted << path.string();
  return out.c_str();
}

}  // namespace

DistillerConfig read_distiller_config(const std::filesystem::path& file) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) {
    throw DistillerConfigError("distiller config " + file.string() +
                               " does not exist (create one with "
                               "`tha4 distill init --image CHAR.png --mask MASK.png --out DIR`)");
  }
  YAML::Node root;
  try {
    root = YAML::LoadFile(file.string());
  } catch (const YAML::Exception& e) {
    throw DistillerConfigError(file.string() + ": not valid YAML: " + e.what());
  }
  if (!root.IsMap()) throw DistillerConfigError(file.string() + ": expected a mapping of settings (key: value)");

  DistillerConfig config;
  ConfigReader reader(root);
  for (const auto& entry : root) {
    const std::string key = entry.first.as<std::string>("");
    const auto& keys = known_keys();
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) reader.problem("unknown key '" + key + "'");
  }
  reader.path("prefix", config.prefix);
  reader.path("character_image_file_name", config.character_image_file_name);
  reader.path("face_mask_image_file_name", config.face_mask_image_file_name);
  reader.seed("face_morpher_random_seed_0", config.face_morpher_random_seed_0);
  reader.seed("face_morpher_random_seed_1", config.face_morpher_random_seed_1);
  reader.sample_interval("face_morpher_num_training_examples_per_sample_output",
                         config.face_morpher_num_training_examples_per_sample_output);
  reader.count("face_morpher_batch_size", config.face_morpher_batch_size, 1, 8);
  reader.seed("body_morpher_random_seed_0", config.body_morpher_random_seed_0);
  reader.seed("body_morpher_random_seed_1", config.body_morpher_random_seed_1);
  reader.sample_interval("body_morpher_num_training_examples_per_sample_output",
                         config.body_morpher_num_training_examples_per_sample_output);
  reader.count("body_morpher_batch_size", config.body_morpher_batch_size, 1, 8);
  reader.count("num_cpu_workers", config.num_cpu_workers, 1, 1024);
  reader.count("num_gpus", config.num_gpus, 1, 1024);

  if (!reader.problems().empty()) {
    std::string message = file.string() + ": the distiller config cannot be used:";
    for (const auto& problem : reader.problems()) message += "\n  - " + problem;
    throw DistillerConfigError(message);
  }
  return config;
}

std::string distiller_config_yaml(const DistillerConfig& c) {
  std::ostringstream out;
  out << "prefix: " << quoted(c.prefix) << "\n"
      << "character_image_file_name: " << quoted(c.character_image_file_name) << "\n"
      << "face_mask_image_file_name: " << quoted(c.face_mask_image_file_name) << "\n"
      << "face_morpher_random_seed_0: " << c.face_morpher_random_seed_0 << "\n"
      << "face_morpher_random_seed_1: " << c.face_morpher_random_seed_1 << "\n"
      << "face_morpher_num_training_examples_per_sample_output: "
      << interval_text(c.face_morpher_num_training_examples_per_sample_output) << "\n"
      << "face_morpher_batch_size: " << c.face_morpher_batch_size << "\n"
      << "body_morpher_random_seed_0: " << c.body_morpher_random_seed_0 << "\n"
      << "body_morpher_random_seed_1: " << c.body_morpher_random_seed_1 << "\n"
      << "body_morpher_num_training_examples_per_sample_output: "
      << interval_text(c.body_morpher_num_training_examples_per_sample_output) << "\n"
      << "body_morpher_batch_size: " << c.body_morpher_batch_size << "\n"
      << "num_cpu_workers: " << c.num_cpu_workers << "\n"
      << "num_gpus: " << c.num_gpus << "\n";
  return out.str();
}

}  // namespace tha4::distill
