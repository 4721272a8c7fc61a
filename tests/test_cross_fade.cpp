// The cross-fade a source plays when it switches models (plugin/runtime/cross_fade.h): exact blends by hand,
// the eased timing, the extra clean frame at the end, and frames it must leave alone.
#include "plugin/runtime/cross_fade.h"

#include <catch2/catch.hpp>

#include <memory>

using namespace tha4::avatar;

namespace {

AvatarFrame flat_frame(std::uint8_t value, int size = 2) {
  AvatarFrame frame;
  frame.width = size;
  frame.height = size;
  frame.pixels.assign(static_cast<std::size_t>(size) * size * 4, value);
  return frame;
}

}  // namespace

TEST_CASE("cross-fade: the new model's frames ease in over the last frame shown", "[cross-fade]") {
  CrossFade fade;
  CHECK_FALSE(fade.remembers());
  fade.remember(flat_frame(200));
  CHECK(fade.remembers());
  CHECK_FALSE(fade.fading());
  CHECK_FALSE(fade.needs_frame(0.0));  // nothing switched yet
  AvatarFrame untouched = flat_frame(10);
  CHECK_FALSE(fade.apply(untouched, 0.0, 0.0));
  CHECK(untouched.pixels == flat_frame(10).pixels);

  fade.begin();
  CHECK(fade.fading());           // frames must be host bytes until it is over
  CHECK(fade.needs_frame(50.0));  // due at once, however long the model took to load
  // The fade starts when its first frame began (100 s). At the start, all old; a quarter in, smoothstep(0.25) =
  // 0.15625 of the new: weight round(0.84375·256) = 216, 10 + ((190·216 + 128) >> 8) = 10 + 160 = 170.
  AvatarFrame start = flat_frame(10);
  CHECK(fade.apply(start, 100.0, 100.0));
  CHECK(start.pixels == flat_frame(200).pixels);
  AvatarFrame quarter = flat_frame(10);
  CHECK(fade.apply(quarter, 0.0, 100.0 + 0.25 * CrossFade::kSeconds));
  CHECK(quarter.pixels == flat_frame(170).pixels);
  // Halfway: weight 128, 10 + ((190·128 + 128) >> 8) = 10 + 95 = 105. Darker old frames blend downwards too.
  AvatarFrame half = flat_frame(10);
  CHECK(fade.apply(half, 0.0, 100.0 + 0.5 * CrossFade::kSeconds));
  CHECK(half.pixels == flat_frame(105).pixels);

  // Over: the last blended frame asks for one clean frame after it, then nothing more.
  CHECK(fade.needs_frame(100.0 + 2.0 * CrossFade::kSeconds));
  AvatarFrame clean = flat_frame(10);
  CHECK_FALSE(fade.apply(clean, 0.0, 100.0 + CrossFade::kSeconds));
  CHECK(clean.pixels == flat_frame(10).pixels);
  CHECK_FALSE(fade.needs_frame(100.0 + CrossFade::kSeconds));
  CHECK_FALSE(fade.fading());
}

TEST_CASE("cross-fade: blends downwards, and leaves other sizes and device-only frames alone", "[cross-fade]") {
  CrossFade fade;
  fade.remember(flat_frame(0));
  fade.begin();
  AvatarFrame half = flat_frame(255);
  CHECK(fade.apply(half, 0.0, 0.5 * CrossFade::kSeconds));
  // 255 + ((-255·128 + 128) >> 8) = 255 + floor(-32512 / 256) = 255 - 127 = 128.
  CHECK(half.pixels == flat_frame(128).pixels);

  fade.begin();
  AvatarFrame bigger = flat_frame(255, 4);
  CHECK_FALSE(fade.apply(bigger, 0.0, 0.1));  // another size: no fade (and none left)
  CHECK(bigger.pixels == flat_frame(255, 4).pixels);
  CHECK_FALSE(fade.needs_frame(0.1));

  // A frame only in device memory (the CUDA zero-copy path) is not remembered, so the next switch is a cut.
  // (A stand-in ring pointer: the fade only asks whether there is one, never uses it.)
  static char stand_in_ring = 0;
  AvatarFrame device_only;
  device_only.width = device_only.height = 2;
  device_only.device_frames = std::shared_ptr<tha4::gpu::DeviceFrameRing>(
      reinterpret_cast<tha4::gpu::DeviceFrameRing*>(&stand_in_ring), [](tha4::gpu::DeviceFrameRing*) {});
  fade.remember(device_only);
  CHECK_FALSE(fade.remembers());  // the worker then asks the engine for its last frame in host bytes
  fade.begin();
  CHECK_FALSE(fade.needs_frame(1.0));
  AvatarFrame next = flat_frame(7);
  CHECK_FALSE(fade.apply(next, 1.0, 1.0));
  CHECK(next.pixels == flat_frame(7).pixels);
}
