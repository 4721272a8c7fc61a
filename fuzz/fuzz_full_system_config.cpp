// libFuzzer target: the full system's configuration (teacher_pipeline.json, `--config`): JSON parsing, then
// the strict reading of the reference's Args constructors. Every failure must be a tha4::Error or a JSON
// parse error; an accepted configuration must pass the networks' own validation.

#include "inference/full/full_system_config_json.h"
#include "inference/util/errors.h"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const nlohmann::json pipeline = nlohmann::json::parse(data, data + size, nullptr, /*allow_exceptions=*/false);
  if (pipeline.is_discarded()) return 0;
  try {
    const tha4::full::FullSystemConfig config = tha4::full::full_system_config_from_pipeline_json(pipeline);
    config.validate();
  } catch (const tha4::Error&) {
  }
  return 0;
}
