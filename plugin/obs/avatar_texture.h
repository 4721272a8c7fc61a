#pragma once
// The texture a source draws, and the two ways frames get into it. It always holds premultiplied,
// sRGB-encoded RGBA in an sRGB format (GS_RGBA), so video_render samples it in linear light.
//
//  * Host bytes: gs_texture_set_image into a GS_DYNAMIC GS_RGBA texture.
//  * GPU frames: CUDA writes a GS_RGBA_UNORM staging texture (GL_RGBA8: CUDA–OpenGL interop accepts it,
//    while OBS's GS_RGBA is GL_SRGB8_ALPHA8, which CUDA does not list), and one draw converts it into an
//    sRGB texrender: the shader decodes sRGB, the sRGB framebuffer encodes it again, so the bytes come
//    back unchanged.
//
// Graphics thread only, inside obs_enter_graphics (video_tick) or video_render.

#include <graphics/graphics.h>

#include <cstdint>

namespace tha4::obs_plugin {

class AvatarTexture {
 public:
  AvatarTexture();
  AvatarTexture(const AvatarTexture&) = delete;
  AvatarTexture& operator=(const AvatarTexture&) = delete;

  // Host path: `rgba` is width × height × 4 bytes, rows top to bottom. False when no texture could be made.
  bool upload(const std::uint8_t* rgba, std::uint32_t width, std::uint32_t height);

  // GPU path: the staging texture for a width × height frame (made or remade as needed; null on failure).
  gs_texture_t* staging(std::uint32_t width, std::uint32_t height);
  // Changes whenever staging() made a new texture (an interop registration of the old one is stale).
  std::uint64_t staging_generation() const { return staging_generation_; }
  // After the staging texture was written: converts it into the texture that draw() shows.
  bool finish_staging();

  // The texture video_render samples (as sRGB); null before the first frame.
  gs_texture_t* current() const { return current_; }

  // Frees every texture (graphics entered).
  void release();

 private:
  bool upload_direct(const std::uint8_t* rgba, std::uint32_t width, std::uint32_t height);

  gs_texture_t* dynamic_ = nullptr;  // host path
  gs_texture_t* staging_ = nullptr;  // GPU path, GS_RGBA_UNORM
  gs_texrender_t* converted_ = nullptr;
  gs_texture_t* current_ = nullptr;
  std::uint32_t staging_width_ = 0, staging_height_ = 0;
  std::uint64_t staging_generation_ = 0;
  // THA4_TEXTURE_VIA_STAGING=1 sends host bytes through the staging texture and the conversion draw, so
  // the GPU path's OBS half is tested on machines without CUDA (tests/obs).
  bool host_via_staging_ = false;
};

}  // namespace tha4::obs_plugin
