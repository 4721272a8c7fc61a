#pragma once
// Configurations of the five teacher networks (spec §4), one struct per reference Args class with the same
// fields, so that any configuration of the reference classes (the official one, the reduced ones of the
// golden tests) is built by the same code. `official()` gives the values mode_07's loaders use.
//
// Only the reference options THA4 can use are represented: InstanceNorm2d + ReLU blocks without spectral
// norm in the encoder–decoders, ResBlock resampling in the U-Nets (full_system_config_json.h rejects the rest).

#include <cstdint>
#include <optional>
#include <vector>

namespace tha4::full {

// PoserEncoderDecoder00Args: the encoder–decoder body shared by the three face networks (spec §4.2).
struct EncoderDecoderConfig {
  int64_t image_size = 128;
  int64_t input_image_channels = 4;
  int64_t num_pose_params = 0;
  int64_t start_channels = 64;
  int64_t bottleneck_image_size = 16;
  int64_t num_bottleneck_blocks = 6;
  int64_t max_channels = 512;

  // Channels of the feature map at `size` pixels: min(start · image_size / size, max).
  int64_t channels_at(int64_t size) const;
  // Throws Error unless image_size = bottleneck_image_size · 2^k with bottleneck > 1, and counts are positive.
  void validate(const char* network) const;
};

// EyebrowDecomposer00Args.
struct EyebrowDecomposerConfig {
  int64_t image_size = 128;
  int64_t image_channels = 4;
  int64_t start_channels = 64;
  int64_t bottleneck_image_size = 16;
  int64_t num_bottleneck_blocks = 6;
  int64_t max_channels = 512;

  static EyebrowDecomposerConfig official() { return {}; }
  EncoderDecoderConfig encoder_decoder() const;  // input: the image, no pose
};

// EyebrowMorphingCombiner00Args.
struct EyebrowMorphingCombinerConfig {
  int64_t image_size = 128;
  int64_t image_channels = 4;
  int64_t num_pose_params = 12;
  int64_t start_channels = 64;
  int64_t bottleneck_image_size = 16;
  int64_t num_bottleneck_blocks = 6;
  int64_t max_channels = 512;

  static EyebrowMorphingCombinerConfig official() { return {}; }
  EncoderDecoderConfig encoder_decoder() const;  // input: background and eyebrow layer, 2 · image_channels
};

// FaceMorpher08Args (as mode_07 builds it; the reference's own defaults are not THA4's).
struct FaceMorpherConfig {
  int64_t image_size = 192;
  int64_t image_channels = 4;
  int64_t num_expression_params = 27;
  int64_t start_channels = 64;
  int64_t bottleneck_image_size = 24;
  int64_t num_bottleneck_blocks = 6;
  int64_t max_channels = 512;
  bool output_iris_mouth_grid_change = true;

  static FaceMorpherConfig official() { return {}; }
  EncoderDecoderConfig encoder_decoder() const;
};

// AttentionBlockArgs: the head count is num_heads, or channels / num_head_channels when that is given.
struct AttentionBlockConfig {
  std::optional<int64_t> num_heads = 1;
  std::optional<int64_t> num_head_channels;
  bool use_new_attention_order = false;

  // Throws Error when `channels` does not split into whole heads.
  int64_t heads_for(int64_t channels) const;
};

// UnetArgs, with the reference's defaults.
struct UnetConfig {
  int64_t in_channels = 3;
  int64_t out_channels = 3;
  int64_t model_channels = 64;
  std::vector<int64_t> level_channel_multipliers = {1, 2, 4, 8};
  std::vector<bool> level_use_attention = {false, false, false, false};
  int64_t num_res_blocks_per_level = 2;
  int64_t num_middle_res_blocks = 2;
  std::optional<int64_t> time_embedding_channels;  // none: model_channels
  int64_t cond_input_channels = 4;
  int64_t cond_internal_channels = 512;
  AttentionBlockConfig attention;
  double dropout_prob = 0.1;  // inference runs in eval mode, where dropout is the identity
  bool resample_with_res_block = true;
  bool use_conv_to_resample = false;
  double condition_bias = 1.0;

  int64_t num_levels() const { return static_cast<int64_t>(level_channel_multipliers.size()); }
  int64_t time_channels() const { return time_embedding_channels.value_or(model_channels); }
  int64_t level_channels(int64_t level) const;
  // Throws Error for inconsistent lists, unsupported resampling options, or a GroupNorm width that the
  // reference's min(32, C) groups cannot split.
  void validate(const char* network) const;
};

// Morpher00Args: the half-resolution rotator ("body_morpher" in mode_07).
struct HalfResRotatorConfig {
  int64_t image_size = 256;
  int64_t image_channels = 4;
  int64_t num_pose_parameters = 6;
  UnetConfig unet;

  static HalfResRotatorConfig official();
  void validate() const;
};

// Upscaler02Args: the editor ("upscaler" in mode_07).
struct EditorConfig {
  int64_t image_size = 512;
  int64_t image_channels = 4;
  int64_t num_pose_parameters = 6;
  UnetConfig unet;

  static EditorConfig official();
  void validate() const;
};

// The five networks of poser mode_07.
struct FullSystemConfig {
  EyebrowDecomposerConfig eyebrow_decomposer;
  EyebrowMorphingCombinerConfig eyebrow_morphing_combiner;
  FaceMorpherConfig face_morpher;
  HalfResRotatorConfig body_morpher;
  EditorConfig upscaler;

  static FullSystemConfig official();
  // The golden files' reduced configuration (README in ../shared/golden): the official one with fewer
  // channels and blocks, ~1.3 M parameters instead of 164 M; for CPU benchmarks and demos with random weights.
  static FullSystemConfig reduced();
};

}  // namespace tha4::full
