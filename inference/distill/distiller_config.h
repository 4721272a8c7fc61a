#pragma once
// The distiller's configuration, in the reference's YAML format (`distiller/distiller_config.py`, spec §6.2),
// so that its configs and ours are interchangeable: the same keys, defaults and rules.
//
//   prefix: /home/me/distill/my_character        output folder
//   character_image_file_name: my_character.png  512×512 RGBA with a transparent background
//   face_mask_image_file_name: my_character_face_mask.png   512×512, black (0) and white (255) only
//   face_morpher_random_seed_0 / _1, body_morpher_random_seed_0 / _1   integers in 0..2^64−1
//   face_morpher_num_training_examples_per_sample_output  10000, 100000, 1000000 or null (no pictures)
//   face_morpher_batch_size, body_morpher_batch_size      1..8, over all processes together
//   body_morpher_num_training_examples_per_sample_output  as for the face
//   num_cpu_workers, num_gpus                             ≥ 1
//
// Relative paths are taken from the current directory, as the reference takes them.

#include "inference/util/errors.h"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace tha4::distill {

// A config that cannot be used; the message lists every problem found.
class DistillerConfigError : public Error {
 public:
  using Error::Error;
};

struct DistillerConfig {
  std::filesystem::path prefix;
  std::filesystem::path character_image_file_name;
  std::filesystem::path face_mask_image_file_name;
  uint64_t face_morpher_random_seed_0 = 12771885812175595441ull;
  uint64_t face_morpher_random_seed_1 = 14367217090963479175ull;
  std::optional<int64_t> face_morpher_num_training_examples_per_sample_output = 10000;
  int64_t face_morpher_batch_size = 8;
  uint64_t body_morpher_random_seed_0 = 2892221210020292507ull;
  uint64_t body_morpher_random_seed_1 = 9998918537095922080ull;
  std::optional<int64_t> body_morpher_num_training_examples_per_sample_output = 10000;
  int64_t body_morpher_batch_size = 8;
  int64_t num_cpu_workers = 1;
  int64_t num_gpus = 1;
};

// Reads and checks a config file: every key known, every value of the right type and in range. It does not
// look at the files the config names (distill_inputs.h does). Throws DistillerConfigError listing every
// problem, with the file's name.
DistillerConfig read_distiller_config(const std::filesystem::path& file);

// The config as YAML, keys in the reference's order; read_distiller_config reads it back unchanged.
std::string distiller_config_yaml(const DistillerConfig& config);

}  // namespace tha4::distill
