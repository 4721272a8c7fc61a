#pragma once
// The model behind a source: loads what the settings name (a student character model folder, or the full
// system's weight folder with a character picture) on the engine they choose, and renders poses into
// OBS-ready frames. Runs on the render worker only.

#include "plugin/runtime/avatar_settings.h"
#include "plugin/runtime/frame_mailbox.h"

#include "inference/pose/pose.h"

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

namespace tha4::avatar {

class AvatarPoser {
 public:
  virtual ~AvatarPoser() = default;
  // "lambda_00 · student · CPU fast engine (avx512 kernels), 2 threads"
  virtual std::string description() const = 0;
  // Poses the character into `frame` (512×512, premultiplied sRGB RGBA, see AvatarFrame).
  virtual void render(const Pose& pose, AvatarFrame& frame) = 0;
  // Whether the files behind the model have moved on and it should be loaded again (a distillation preview
  // whose run wrote a newer snapshot, or finished). Cheap: looks at the disk at most every few seconds.
  virtual bool outdated() { return false; }
  // Cross-fades (cross_fade.h) blend host bytes. Engines whose frames live in device memory (the fused CUDA
  // engine) render host frames while `wanted` (a fade under way), and hand over the last frame they rendered
  // as host bytes (the frame a fade starts from); others always render host frames and have nothing to add.
  virtual void set_host_frames(bool /*wanted*/) {}
  virtual bool last_frame_to_host(AvatarFrame& /*frame*/) { return false; }
};

struct LoadedPoser {
  std::unique_ptr<AvatarPoser> poser;
  std::string warning;      // e.g. "CUDA is not available, using the CPU" (empty when none)
  bool fused_cuda = false;  // the fused CUDA engine, whose precision the governor may lower
};

// Loads the model named by the settings: the full system's weight folder, a student character model folder,
// or a distillation prefix (its finished character_model/, or while `tha4 distill run` is still working, a
// preview of its newest snapshots that reloads as they improve). Throws tha4::Error (CharacterModelError, ImageError,
// WeightFileError, ...) with a message for the user.
LoadedPoser load_avatar_poser(const AvatarSettings& settings);

// What a distillation prefix holds now (a run of the properties' "make a real-time model"): its finished
// model, or snapshots worth showing (the face run complete: an early student face is a blur of colour).
struct DistillationFolder {
  bool finished = false;
  bool has_snapshot = false;  // worth showing: the face run is complete
};
DistillationFolder look_at_distillation(const std::filesystem::path& prefix);

// Whether `folder` holds the full system's weights (a run's teacher that can stand in while the run learns).
bool holds_full_system(const std::filesystem::path& folder);

// Whether `folder` is a student character model of a picture other than `picture` (the user chose a character
// image the student does not depict). False for anything else, and when either cannot be read.
bool student_of_another_picture(const std::filesystem::path& folder, const std::filesystem::path& picture);

// The character image alone, as a frame: what the source shows while the model cannot run (a weight file
// is corrupt, the engine failed). Nothing when the image itself cannot be read.
std::optional<AvatarFrame> load_still_frame(const AvatarSettings& settings);

// A neutral placeholder (a soft grey silhouette card) for when there is no usable character at all, so
// the source is visibly there, not an invisible 512×512 hole.
AvatarFrame placeholder_frame();

}  // namespace tha4::avatar
