#pragma once
// Configurations of the five teacher networks (spec §4), with the fields of the reference's Args classes, so
// that any configuration of the reference classes (the official one, the reduced ones of the golden tests) is
// built by the same code. `official()` gives the values mode_07's loaders use. Fields the reference repeats are
// one struct here: the encoder–decoder fields of the three face networks (EncoderFields), and the two body
// networks' Args, which have the same fields (UnetPoserConfig).
//
// Only the reference options THA4 can use are represented: InstanceNorm2d + ReLU blocks without spectral
// norm in the encoder–decoders, ResBlock resampling in the U-Nets (full_system_config_json.h rejects the rest).

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace tha4::full {

// The fields that EyebrowDecomposer00Args, EyebrowMorphingCombiner00Args and FaceMorpher08Args all have: the
// shape of their encoder–decoder body (spec §4.2). Defaults: the eyebrow networks'; the face morpher's differ.
struct EncoderFields {
  int64_t image_size = 128;
  int64_t image_channels = 4;
  int64_t start_channels = 64;
  int64_t bottleneck_image_size = 16;
  int64_t num_bottleneck_blocks = 6;
  int64_t max_channels = 512;

  // Channels of the feature map at `size` pixels: min(start · image_size / size, max).
  int64_t channels_at(int64_t size) const;
};

// PoserEncoderDecoder00Args: the encoder–decoder body shared by the three face networks (spec §4.2). Its input
// may have more channels than one image (the combiner stacks two).
struct EncoderDecoderConfig {
  EncoderFields encoder;
  int64_t input_image_channels = 4;
  int64_t num_pose_params = 0;

  // Throws Error unless image_size = bottleneck_image_size · 2^k with bottleneck > 1, and counts are positive.
  void validate(std::string_view network) const;
};

// EyebrowDecomposer00Args.
struct EyebrowDecomposerConfig {
  EncoderFields encoder;

  static EyebrowDecomposerConfig official() { return {}; }
  EncoderDecoderConfig encoder_decoder() const;  // input: the image, no pose
};

// EyebrowMorphingCombiner00Args.
struct EyebrowMorphingCombinerConfig {
  EncoderFields encoder;
  int64_t num_pose_params = 12;

  static EyebrowMorphingCombinerConfig official() { return {}; }
  EncoderDecoderConfig encoder_decoder() const;  // input: background and eyebrow layer, 2 · image_channels
};

// FaceMorpher08Args (as mode_07 builds it; the reference's own defaults are not THA4's).
struct FaceMorpherConfig {
  EncoderFields encoder{/*image_size=*/192,           /*image_channels=*/4,        /*start_channels=*/64,
                        /*bottleneck_image_size=*/24, /*num_bottleneck_blocks=*/6, /*max_channels=*/512};
  int64_t num_expression_params = 27;
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
  void validate(std::string_view network) const;
};

// Morpher00Args and Upscaler02Args, which have the same fields: a U-Net wrapped into a poser of image_size²
// images (spec §4.4.6). The half-resolution rotator and the editor differ only in the values.
struct UnetPoserConfig {
  int64_t image_size = 0;  // no shared default: see half_res_rotator_defaults() and editor_defaults()
  int64_t image_channels = 4;
  int64_t num_pose_parameters = 6;
  UnetConfig unet;

  // Where the JSON reader starts before the keywords: image_size 256 for Morpher00Args, 512 for Upscaler02Args,
  // the other fields as above (the U-Net's are UnetArgs' defaults).
  static UnetPoserConfig half_res_rotator_defaults();
  static UnetPoserConfig editor_defaults();
  // mode_07's values ("body_morpher" and "upscaler").
  static UnetPoserConfig official_half_res_rotator();
  static UnetPoserConfig official_editor();
  // Throws Error, naming `network`, unless the U-Net fits the wrapper (the reference's assertions) and itself.
  void validate(std::string_view network) const;
};
// The names the two networks' code uses, for readability: one type, so one validation and one JSON reader.
using HalfResRotatorConfig = UnetPoserConfig;  // Morpher00Args, "body_morpher" in mode_07
using EditorConfig = UnetPoserConfig;          // Upscaler02Args, "upscaler" in mode_07

// The five networks of poser mode_07.
struct FullSystemConfig {
  EyebrowDecomposerConfig eyebrow_decomposer;
  EyebrowMorphingCombinerConfig eyebrow_morphing_combiner;
  FaceMorpherConfig face_morpher;
  HalfResRotatorConfig body_morpher = UnetPoserConfig::half_res_rotator_defaults();
  EditorConfig upscaler = UnetPoserConfig::editor_defaults();

  static FullSystemConfig official();
  // The golden files' reduced configuration (README in ../shared/golden): the official one with fewer
  // channels and blocks, ~1.3 M parameters instead of 164 M; for CPU benchmarks and demos with random weights.
  static FullSystemConfig reduced();
  // Throws Error naming the first network whose configuration is inconsistent (the JSON reader's checks).
  void validate() const;
};

}  // namespace tha4::full
