#pragma once
// Reads teacher configurations from the reference's Args constructor calls as JSON, the form the golden
// files use: {"class": "tha4...EyebrowDecomposer00Args", "kwargs": {...}}, nested Args and factories written
// the same way. Strict: an unknown class or keyword, a wrong type, or an option this implementation does not
// have (spectral norm, another normalisation or nonlinearity, conv resampling) is an Error naming it.

#include "inference/full/full_system_config.h"

#include <nlohmann/json_fwd.hpp>

#include <filesystem>

namespace tha4::full {

EyebrowDecomposerConfig eyebrow_decomposer_config_from_json(const nlohmann::json& args_constructor);
EyebrowMorphingCombinerConfig eyebrow_morphing_combiner_config_from_json(const nlohmann::json& args_constructor);
FaceMorpherConfig face_morpher_config_from_json(const nlohmann::json& args_constructor);
HalfResRotatorConfig half_res_rotator_config_from_json(const nlohmann::json& args_constructor);
EditorConfig editor_config_from_json(const nlohmann::json& args_constructor);

// The five networks of teacher_pipeline.json: `networks.<name>.args_constructor`.
FullSystemConfig full_system_config_from_pipeline_json(const nlohmann::json& pipeline);

// Parses a JSON file; throws Error naming the file when it is missing or malformed.
nlohmann::json read_json_file(const std::filesystem::path& file);

}  // namespace tha4::full
