#include "plugin/obs/avatar_texture.h"

#include <graphics/vec4.h>
#include <obs.h>

#include <cstdlib>
#include <cstring>

namespace tha4::obs_plugin {
namespace {

bool env_flag(const char* name) {
  const char* value = std::getenv(name);
  return value && std::strcmp(value, "1") == 0;
}

void destroy(gs_texture_t*& texture) {
  if (texture) gs_texture_destroy(texture);
  texture = nullptr;
}

bool has_size(gs_texture_t* texture, std::uint32_t width, std::uint32_t height) {
  return texture && gs_texture_get_width(texture) == width && gs_texture_get_height(texture) == height;
}

}  // namespace

AvatarTexture::AvatarTexture() : host_via_staging_(env_flag("THA4_TEXTURE_VIA_STAGING")) {}

bool AvatarTexture::upload(const std::uint8_t* rgba, std::uint32_t width, std::uint32_t height) {
  if (!host_via_staging_) return upload_direct(rgba, width, height);
  gs_texture_t* texture = staging(width, height);
  if (!texture) return false;
  gs_texture_set_image(texture, rgba, width * 4, false);
  return finish_staging();
}

bool AvatarTexture::upload_direct(const std::uint8_t* rgba, std::uint32_t width, std::uint32_t height) {
  if (!has_size(dynamic_, width, height)) {
    destroy(dynamic_);
    dynamic_ = gs_texture_create(width, height, GS_RGBA, 1, nullptr, GS_DYNAMIC);
  }
  if (!dynamic_) return false;
  gs_texture_set_image(dynamic_, rgba, width * 4, false);
  current_ = dynamic_;
  return true;
}

gs_texture_t* AvatarTexture::staging(std::uint32_t width, std::uint32_t height) {
  if (!has_size(staging_, width, height)) {
    destroy(staging_);
    // GS_DYNAMIC only so that THA4_TEXTURE_VIA_STAGING can upload host bytes into it.
    staging_ = gs_texture_create(width, height, GS_RGBA_UNORM, 1, nullptr, GS_DYNAMIC);
    ++staging_generation_;
  }
  return staging_;
}

bool AvatarTexture::finish_staging() {
  if (!staging_) return false;
  const std::uint32_t width = gs_texture_get_width(staging_);
  const std::uint32_t height = gs_texture_get_height(staging_);
  if (!converted_) converted_ = gs_texrender_create(GS_RGBA, GS_ZS_NONE);
  if (!converted_) return false;
  gs_texrender_reset(converted_);
  if (!gs_texrender_begin(converted_, width, height)) return false;
  vec4 clear;
  vec4_zero(&clear);
  gs_clear(GS_CLEAR_COLOR, &clear, 0.0f, 0);
  gs_ortho(0.0f, static_cast<float>(width), 0.0f, static_cast<float>(height), -100.0f, 100.0f);
  gs_enable_depth_test(false);
  gs_set_cull_mode(GS_NEITHER);
  gs_blend_state_push();
  gs_enable_blending(false);  // a copy, not a composite: alpha and colour go through untouched
  const bool previous_srgb = gs_framebuffer_srgb_enabled();
  gs_enable_framebuffer_srgb(true);
  gs_effect_t* effect = obs_get_base_effect(OBS_EFFECT_DEFAULT);
  gs_effect_set_texture(gs_effect_get_param_by_name(effect, "image"), staging_);
  // One texel per pixel at texel centres: the linear sampler returns each texel exactly.
  while (gs_effect_loop(effect, "DrawSrgbDecompress")) gs_draw_sprite(staging_, 0, width, height);
  gs_enable_framebuffer_srgb(previous_srgb);
  gs_blend_state_pop();
  gs_texrender_end(converted_);
  current_ = gs_texrender_get_texture(converted_);
  return current_ != nullptr;
}

void AvatarTexture::release() {
  destroy(dynamic_);
  destroy(staging_);
  if (converted_) gs_texrender_destroy(converted_);
  converted_ = nullptr;
  current_ = nullptr;
}

}  // namespace tha4::obs_plugin
