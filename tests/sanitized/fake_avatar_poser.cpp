// A stand-in for plugin/runtime/avatar_poser.cpp in the sanitizer builds: the runtime's threads without
// LibTorch (which is not instrumented, so TSan could not see its synchronisation). The "model" paints the
// pose into the frame so tests can read back what the worker rendered:
//   pixel 0 = (mouth_aaa, eye_wink_left, head_y + 0.5, 255) · 255, every other pixel transparent.
// A model folder named "fake-error" fails to load, like a corrupt weight file.

#include "plugin/runtime/avatar_poser.h"

#include "inference/util/errors.h"

#include <algorithm>
#include <thread>

namespace tha4::avatar {
namespace {

std::uint8_t to_byte(float value) { return static_cast<std::uint8_t>(std::clamp(value, 0.0F, 1.0F) * 255.0F + 0.5F); }

float pose_value(const Pose& pose, std::string_view name) {
  return pose[static_cast<std::size_t>(find_pose_parameter(name).value())];
}

class FakePoser final : public AvatarPoser {
 public:
  std::string description() const override { return "fake poser (sanitizer tests)"; }
  void render(const Pose& pose, AvatarFrame& frame) override {
    frame.width = frame.height = 64;
    frame.pixels.assign(64 * 64 * 4, 0);
    frame.pixels[0] = to_byte(pose_value(pose, "mouth_aaa"));
    frame.pixels[1] = to_byte(pose_value(pose, "eye_wink_left"));
    frame.pixels[2] = to_byte(pose_value(pose, "head_y") + 0.5F);
    frame.pixels[3] = 255;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));  // a render takes time
  }
};

}  // namespace

LoadedPoser load_avatar_poser(const AvatarSettings& settings) {
  if (settings.model_folder == "fake-error") throw WeightFileError("fake-error/face_morpher.pt: corrupt (test)");
  return {std::make_unique<FakePoser>(), ""};
}

DistillationFolder look_at_distillation(const std::filesystem::path& /*prefix*/) { return {}; }

bool holds_full_system(const std::filesystem::path& /*folder*/) { return false; }
bool student_of_another_picture(const std::filesystem::path& /*folder*/, const std::filesystem::path& /*picture*/) {
  return false;
}

std::optional<AvatarFrame> load_still_frame(const AvatarSettings& /*settings*/) { return std::nullopt; }

AvatarFrame placeholder_frame() {
  AvatarFrame frame;
  frame.width = frame.height = 64;
  frame.pixels.assign(64 * 64 * 4, 128);
  return frame;
}

}  // namespace tha4::avatar
