#include "inference/full/full_system_config.h"

#include "inference/full/teacher_networks.h"
#include "inference/util/errors.h"

#include <algorithm>
#include <initializer_list>
#include <string>

namespace tha4::full {
namespace {

void require(bool condition, std::string_view network, const std::string& what) {
  if (!condition) throw Error(std::string(network) + " configuration: " + what);
}

// The reference normalises with GroupNorm(min(32, C), C), which needs C ≤ 32 or a multiple of 32.
void require_group_norm_width(int64_t channels, std::string_view network, const char* where) {
  require(channels > 0 && (channels <= 32 || channels % 32 == 0), network,
          std::string(where) + " normalises " + std::to_string(channels) +
              " channels, which GroupNorm(min(32, C)) cannot split into equal groups");
}

UnetConfig official_unet(int64_t model_channels, std::vector<int64_t> multipliers) {
  UnetConfig unet;
  unet.in_channels = 4;
  unet.out_channels = 7;
  unet.model_channels = model_channels;
  unet.level_channel_multipliers = std::move(multipliers);
  unet.level_use_attention.assign(unet.level_channel_multipliers.size(), false);
  unet.level_use_attention.back() = true;
  unet.num_res_blocks_per_level = 1;
  unet.num_middle_res_blocks = 4;
  unet.time_embedding_channels = std::nullopt;
  unet.cond_input_channels = 6;
  unet.cond_internal_channels = 256;
  unet.attention.num_heads = 8;
  unet.attention.num_head_channels = std::nullopt;
  unet.attention.use_new_attention_order = true;
  unet.dropout_prob = 0.0;
  return unet;
}

}  // namespace

int64_t EncoderFields::channels_at(int64_t size) const {
  return std::min(start_channels * (image_size / size), max_channels);
}

void EncoderDecoderConfig::validate(std::string_view network) const {
  require(encoder.image_size > 0 && input_image_channels > 0 && encoder.start_channels > 0 &&
              encoder.max_channels > 0 && encoder.num_bottleneck_blocks >= 1 && num_pose_params >= 0,
          network, "sizes and counts must be positive");
  require(encoder.bottleneck_image_size > 1, network, "bottleneck_image_size must be > 1");
  int64_t size = encoder.image_size;
  while (size > encoder.bottleneck_image_size && size % 2 == 0) size /= 2;
  require(size == encoder.bottleneck_image_size, network,
          "image_size " + std::to_string(encoder.image_size) + " must be bottleneck_image_size " +
              std::to_string(encoder.bottleneck_image_size) + " times a power of two");
}

EncoderDecoderConfig EyebrowDecomposerConfig::encoder_decoder() const {
  return {encoder, encoder.image_channels, /*num_pose_params=*/0};
}

EncoderDecoderConfig EyebrowMorphingCombinerConfig::encoder_decoder() const {
  return {encoder, 2 * encoder.image_channels, num_pose_params};
}

EncoderDecoderConfig FaceMorpherConfig::encoder_decoder() const {
  return {encoder, encoder.image_channels, num_expression_params};
}

int64_t AttentionBlockConfig::heads_for(int64_t channels) const {
  if (num_head_channels) {
    if (*num_head_channels <= 0 || channels % *num_head_channels != 0) {
      throw Error("attention: " + std::to_string(channels) + " channels do not split into heads of " +
                  std::to_string(*num_head_channels));
    }
    return channels / *num_head_channels;
  }
  if (!num_heads || *num_heads <= 0 || channels % *num_heads != 0) {
    throw Error("attention: " + std::to_string(channels) + " channels do not split into " +
                (num_heads ? std::to_string(*num_heads) : std::string("(unset)")) + " heads");
  }
  return *num_heads;
}

int64_t UnetConfig::level_channels(int64_t level) const {
  return model_channels * level_channel_multipliers.at(static_cast<std::size_t>(level));
}

void UnetConfig::validate(std::string_view network) const {
  require(num_levels() >= 1, network, "level_channel_multipliers is empty");
  require(level_use_attention.size() == level_channel_multipliers.size(), network,
          "level_channel_multipliers and level_use_attention differ in length");
  require(in_channels > 0 && out_channels > 0 && model_channels > 0 && cond_input_channels > 0 &&
              cond_internal_channels > 0 && num_res_blocks_per_level >= 1 && num_middle_res_blocks >= 1 &&
              time_channels() >= 2,
          network, "sizes and counts must be positive");
  require(resample_with_res_block && !use_conv_to_resample, network,
          "only ResBlock resampling (resample_with_res_block=True, use_conv_to_resample=False) is implemented");
  // Every GroupNorm width: ResBlock inputs and outputs, the concatenations of the up path, attention, `last`.
  std::vector<int64_t> skips{model_channels};
  int64_t current = model_channels;
  for (int64_t level = 0; level < num_levels(); ++level) {
    const int64_t out = level_channels(level);
    for (int64_t j = 0; j < num_res_blocks_per_level; ++j) {
      require_group_norm_width(j == 0 ? current : out, network, "a down-path ResBlock");
      require_group_norm_width(out, network, "a down-path ResBlock");
      if (level_use_attention[static_cast<std::size_t>(level)]) attention.heads_for(out);
      skips.push_back(out);
    }
    if (level + 1 < num_levels()) skips.push_back(out);
    current = out;
  }
  if (num_middle_res_blocks > 1) attention.heads_for(current);
  for (int64_t level = num_levels() - 1; level >= 0; --level) {
    const int64_t out = level_channels(level);
    for (int64_t j = 0; j <= num_res_blocks_per_level; ++j) {
      require_group_norm_width((j == 0 ? current : out) + skips.back(), network, "an up-path ResBlock");
      skips.pop_back();
      if (level_use_attention[static_cast<std::size_t>(level)]) attention.heads_for(out);
    }
    require_group_norm_width(out, network, "an up-path ResBlock");
    current = out;
  }
}

UnetPoserConfig UnetPoserConfig::half_res_rotator_defaults() {
  UnetPoserConfig config;
  config.image_size = 256;
  return config;
}

UnetPoserConfig UnetPoserConfig::editor_defaults() {
  UnetPoserConfig config;
  config.image_size = 512;
  return config;
}

UnetPoserConfig UnetPoserConfig::official_half_res_rotator() {
  UnetPoserConfig config = half_res_rotator_defaults();
  config.unet = official_unet(64, {1, 2, 4, 4, 4});
  return config;
}

UnetPoserConfig UnetPoserConfig::official_editor() {
  UnetPoserConfig config = editor_defaults();
  config.unet = official_unet(32, {1, 2, 4, 8, 8, 8});
  return config;
}

void UnetPoserConfig::validate(std::string_view network) const {
  // The same assertions as Morpher00Args / Upscaler02Args.
  require(unet.in_channels == image_channels, network, "unet in_channels must equal image_channels");
  require(unet.out_channels == image_channels + 3, network,
          "unet out_channels must be image_channels + 3 (direct colour, grid change, alpha)");
  require(unet.cond_input_channels == num_pose_parameters, network,
          "unet cond_input_channels must equal num_pose_parameters");
  const int64_t factor = int64_t{1} << (unet.num_levels() - 1);
  require(
      image_size > 0 && image_size % factor == 0, network,
      "image_size " + std::to_string(image_size) + " must be divisible by 2^(levels - 1) = " + std::to_string(factor));
  unet.validate(network);
}

FullSystemConfig FullSystemConfig::official() {
  return {EyebrowDecomposerConfig::official(), EyebrowMorphingCombinerConfig::official(), FaceMorpherConfig::official(),
          UnetPoserConfig::official_half_res_rotator(), UnetPoserConfig::official_editor()};
}

FullSystemConfig FullSystemConfig::reduced() {
  FullSystemConfig config = official();
  for (EncoderFields* encoder :
       {&config.eyebrow_decomposer.encoder, &config.eyebrow_morphing_combiner.encoder, &config.face_morpher.encoder}) {
    encoder->start_channels = 8;
    encoder->max_channels = 32;
    encoder->num_bottleneck_blocks = 3;
  }
  UnetConfig& body = config.body_morpher.unet;
  body.model_channels = 32;
  body.level_channel_multipliers.assign(body.level_channel_multipliers.size(), 1);
  body.num_middle_res_blocks = 2;
  body.cond_internal_channels = 32;
  UnetConfig& upscaler = config.upscaler.unet;
  upscaler.model_channels = 16;
  upscaler.level_channel_multipliers.assign(upscaler.level_channel_multipliers.size(), 1);
  upscaler.num_middle_res_blocks = 2;
  upscaler.cond_internal_channels = 32;
  return config;
}

void FullSystemConfig::validate() const {
  // The names the JSON reader's errors use.
  eyebrow_decomposer.encoder_decoder().validate(names_of(TeacherNetwork::kEyebrowDecomposer).reference_module);
  eyebrow_morphing_combiner.encoder_decoder().validate(
      names_of(TeacherNetwork::kEyebrowMorphingCombiner).reference_module);
  face_morpher.encoder_decoder().validate(names_of(TeacherNetwork::kFaceMorpher).reference_module);
  body_morpher.validate(module_and_class(TeacherNetwork::kHalfResRotator));
  upscaler.validate(module_and_class(TeacherNetwork::kEditor));
}

}  // namespace tha4::full
