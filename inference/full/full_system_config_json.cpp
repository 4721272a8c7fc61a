#include "inference/full/full_system_config_json.h"

#include "inference/full/teacher_networks.h"
#include "inference/util/errors.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <set>
#include <string>
#include <string_view>
#include <type_traits>

namespace tha4::full {
namespace {
using nlohmann::json;

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// One {"class", "kwargs"} object: checks the class and hands out keywords, so that leftovers are reported.
class Constructor {
 public:
  Constructor(const json& value, const std::string& expected_class) : class_(expected_class) {
    if (!value.is_object() || !value.contains("class") || !value["class"].is_string()) {
      throw Error("teacher configuration: expected {\"class\": ..., \"kwargs\": ...} for " + expected_class);
    }
    const std::string name = value["class"].get<std::string>();
    if (!ends_with(name, "." + expected_class) && name != expected_class) {
      throw Error("teacher configuration: expected class " + expected_class + ", found " + name);
    }
    if (value.contains("kwargs")) {
      if (!value["kwargs"].is_object()) throw Error("teacher configuration: kwargs of " + name + " is not an object");
      kwargs_ = value["kwargs"];
    } else {
      kwargs_ = json::object();
    }
  }

  ~Constructor() = default;
  Constructor(const Constructor&) = delete;
  Constructor& operator=(const Constructor&) = delete;

  bool has(const std::string& key) const { return kwargs_.contains(key) && !kwargs_[key].is_null(); }

  const json& take(const std::string& key) {
    used_.insert(key);
    return kwargs_.at(key);
  }

  void read(const std::string& key, int64_t& value) {
    if (!kwargs_.contains(key)) return;
    const json& item = take(key);
    if (!item.is_number_integer()) throw wrong_type(key, "an integer");
    value = item.get<int64_t>();
  }
  void read(const std::string& key, std::optional<int64_t>& value) {
    if (!kwargs_.contains(key)) return;
    const json& item = take(key);
    if (item.is_null()) {
      value = std::nullopt;
    } else if (item.is_number_integer()) {
      value = item.get<int64_t>();
    } else {
      throw wrong_type(key, "an integer or null");
    }
  }
  void read(const std::string& key, bool& value) {
    if (!kwargs_.contains(key)) return;
    const json& item = take(key);
    if (!item.is_boolean()) throw wrong_type(key, "a boolean");
    value = item.get<bool>();
  }
  void read(const std::string& key, double& value) {
    if (!kwargs_.contains(key)) return;
    const json& item = take(key);
    if (!item.is_number()) throw wrong_type(key, "a number");
    value = item.get<double>();
  }
  template <typename T>
  void read(const std::string& key, std::vector<T>& value) {
    if (!kwargs_.contains(key)) return;
    const json& item = take(key);
    if (!item.is_array()) throw wrong_type(key, "a list");
    value.clear();
    for (const json& element : item) {
      if constexpr (std::is_same_v<T, bool>) {
        if (!element.is_boolean()) throw wrong_type(key, "a list of booleans");
      } else if (!element.is_number_integer()) {
        throw wrong_type(key, "a list of integers");
      }
      value.push_back(element.get<T>());
    }
  }

  // Throws for keywords nobody asked for: they would change the network in a way this code would ignore.
  void finish() const {
    for (const auto& item : kwargs_.items()) {
      if (used_.count(item.key()) == 0) {
        throw Error("teacher configuration: " + class_ + " keyword '" + item.key() + "' is not supported");
      }
    }
  }

 private:
  Error wrong_type(const std::string& key, const char* expected) const {
    return Error("teacher configuration: " + class_ + " keyword '" + key + "' must be " + expected);
  }

  std::string class_;
  json kwargs_;
  std::set<std::string> used_;
};

// BlockArgs: only the blocks mode_07 uses exist here (InstanceNorm2d, ReLU, no spectral norm). The
// initialisation method does not matter once weights are loaded.
void check_block_args(const json& value) {
  Constructor args(value, "BlockArgs");
  if (args.has("initialization_method")) args.take("initialization_method");
  bool spectral_norm = false;
  args.read("use_spectral_norm", spectral_norm);
  if (spectral_norm) throw Error("teacher configuration: use_spectral_norm=True is not supported");
  if (!args.has("normalization_layer_factory") || !args.has("nonlinearity_factory")) {
    throw Error("teacher configuration: BlockArgs must name InstanceNorm2dFactory and ReLUFactory explicitly");
  }
  Constructor norm(args.take("normalization_layer_factory"), "InstanceNorm2dFactory");
  norm.finish();
  Constructor relu(args.take("nonlinearity_factory"), "ReLUFactory");
  bool inplace = false;  // in-place or not, the values are the same
  relu.read("inplace", inplace);
  relu.finish();
  args.finish();
}

void read_encoder_fields(Constructor& args, EncoderFields& encoder) {
  args.read("image_size", encoder.image_size);
  args.read("image_channels", encoder.image_channels);
  args.read("start_channels", encoder.start_channels);
  args.read("bottleneck_image_size", encoder.bottleneck_image_size);
  args.read("num_bottleneck_blocks", encoder.num_bottleneck_blocks);
  args.read("max_channels", encoder.max_channels);
  if (args.has("block_args")) check_block_args(args.take("block_args"));
}

AttentionBlockConfig attention_from_json(const json& value) {
  Constructor args(value, "AttentionBlockArgs");
  AttentionBlockConfig config;
  args.read("num_heads", config.num_heads);
  args.read("num_head_channels", config.num_head_channels);
  args.read("use_new_attention_order", config.use_new_attention_order);
  args.finish();
  return config;
}

UnetConfig unet_from_json(const json& value) {
  Constructor args(value, "UnetArgs");
  UnetConfig config;
  args.read("in_channels", config.in_channels);
  args.read("out_channels", config.out_channels);
  args.read("model_channels", config.model_channels);
  const bool has_multipliers = args.has("level_channel_multipliers");
  args.read("level_channel_multipliers", config.level_channel_multipliers);
  if (args.has("level_use_attention")) {
    args.read("level_use_attention", config.level_use_attention);
  } else if (has_multipliers) {
    config.level_use_attention.assign(config.level_channel_multipliers.size(), false);
  }
  args.read("num_res_blocks_per_level", config.num_res_blocks_per_level);
  args.read("num_middle_res_blocks", config.num_middle_res_blocks);
  args.read("time_embedding_channels", config.time_embedding_channels);
  args.read("cond_input_channels", config.cond_input_channels);
  args.read("cond_internal_channels", config.cond_internal_channels);
  if (args.has("attention_block_args")) config.attention = attention_from_json(args.take("attention_block_args"));
  args.read("dropout_prob", config.dropout_prob);
  args.read("resample_with_res_block", config.resample_with_res_block);
  args.read("use_conv_to_resample", config.use_conv_to_resample);
  args.read("condition_bias", config.condition_bias);
  args.finish();
  return config;
}

// "EyebrowDecomposer00Args": the reference's Args class of `network`.
std::string args_class(TeacherNetwork network) { return std::string(names_of(network).reference_class) + "Args"; }

// Morpher00Args and Upscaler02Args: the same keywords, from different defaults.
UnetPoserConfig unet_poser_from_json(const json& value, TeacherNetwork network, UnetPoserConfig config) {
  const std::string class_name = args_class(network);
  Constructor args(value, class_name);
  args.read("image_size", config.image_size);
  args.read("image_channels", config.image_channels);
  args.read("num_pose_parameters", config.num_pose_parameters);
  if (!args.has("unet_args")) throw Error("teacher configuration: " + class_name + " needs unet_args");
  config.unet = unet_from_json(args.take("unet_args"));
  args.finish();
  config.validate(module_and_class(network));
  return config;
}

}  // namespace

EyebrowDecomposerConfig eyebrow_decomposer_config_from_json(const json& args_constructor) {
  Constructor args(args_constructor, args_class(TeacherNetwork::kEyebrowDecomposer));
  EyebrowDecomposerConfig config;
  read_encoder_fields(args, config.encoder);
  args.finish();
  config.encoder_decoder().validate(names_of(TeacherNetwork::kEyebrowDecomposer).reference_module);
  return config;
}

EyebrowMorphingCombinerConfig eyebrow_morphing_combiner_config_from_json(const json& args_constructor) {
  Constructor args(args_constructor, args_class(TeacherNetwork::kEyebrowMorphingCombiner));
  EyebrowMorphingCombinerConfig config;
  read_encoder_fields(args, config.encoder);
  args.read("num_pose_params", config.num_pose_params);
  args.finish();
  config.encoder_decoder().validate(names_of(TeacherNetwork::kEyebrowMorphingCombiner).reference_module);
  return config;
}

FaceMorpherConfig face_morpher_config_from_json(const json& args_constructor) {
  Constructor args(args_constructor, args_class(TeacherNetwork::kFaceMorpher));
  // FaceMorpher08Args' own defaults, which are not mode_07's values.
  FaceMorpherConfig config;
  config.encoder.image_size = 256;
  config.num_expression_params = 67;
  config.encoder.start_channels = 16;
  config.encoder.bottleneck_image_size = 4;
  config.encoder.num_bottleneck_blocks = 3;
  config.output_iris_mouth_grid_change = false;
  if (!args.has("block_args")) {
    throw Error("teacher configuration: FaceMorpher08Args without block_args means LeakyReLU, which is not supported");
  }
  read_encoder_fields(args, config.encoder);
  args.read("num_expression_params", config.num_expression_params);
  args.read("output_iris_mouth_grid_change", config.output_iris_mouth_grid_change);
  args.finish();
  config.encoder_decoder().validate(names_of(TeacherNetwork::kFaceMorpher).reference_module);
  return config;
}

HalfResRotatorConfig half_res_rotator_config_from_json(const json& args_constructor) {
  return unet_poser_from_json(args_constructor, TeacherNetwork::kHalfResRotator,
                              UnetPoserConfig::half_res_rotator_defaults());
}

EditorConfig editor_config_from_json(const json& args_constructor) {
  return unet_poser_from_json(args_constructor, TeacherNetwork::kEditor, UnetPoserConfig::editor_defaults());
}

FullSystemConfig full_system_config_from_pipeline_json(const json& pipeline) {
  // `networks` is keyed by the mode_07 key.
  const auto network = [&](TeacherNetwork which) -> const json& {
    const std::string name(names_of(which).reference_module);
    if (!pipeline.contains("networks") || !pipeline["networks"].contains(name) ||
        !pipeline["networks"][name].contains("args_constructor")) {
      throw Error("teacher pipeline configuration: no networks." + name + ".args_constructor");
    }
    return pipeline["networks"][name]["args_constructor"];
  };
  FullSystemConfig config;
  config.eyebrow_decomposer = eyebrow_decomposer_config_from_json(network(TeacherNetwork::kEyebrowDecomposer));
  config.eyebrow_morphing_combiner =
      eyebrow_morphing_combiner_config_from_json(network(TeacherNetwork::kEyebrowMorphingCombiner));
  config.face_morpher = face_morpher_config_from_json(network(TeacherNetwork::kFaceMorpher));
  config.body_morpher = half_res_rotator_config_from_json(network(TeacherNetwork::kHalfResRotator));
  config.upscaler = editor_config_from_json(network(TeacherNetwork::kEditor));
  return config;
}

json read_json_file(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw Error("cannot open " + file.string());
  try {
    return json::parse(in);
  } catch (const json::exception& e) {
    throw Error(file.string() + ": not valid JSON: " + e.what());
  }
}

}  // namespace tha4::full
