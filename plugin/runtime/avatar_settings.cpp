#include "plugin/runtime/avatar_settings.h"

#include <tuple>

namespace tha4::avatar {

bool model_settings_differ(const AvatarSettings& a, const AvatarSettings& b) {
  return std::tie(a.model_folder, a.character_image, a.engine, a.cuda_device, a.gpu_precision, a.cpu_threads) !=
         std::tie(b.model_folder, b.character_image, b.engine, b.cuda_device, b.gpu_precision, b.cpu_threads);
}

bool tracking_settings_differ(const AvatarSettings& a, const AvatarSettings& b) {
  // Everything the trackers are built with.
  return std::tie(a.tracking, a.obs_video_source, a.camera_device, a.phone_address, a.vmc_port, a.openseeface_port) !=
             std::tie(b.tracking, b.obs_video_source, b.camera_device, b.phone_address, b.vmc_port,
                      b.openseeface_port) ||
         tracker_tuning(a) != tracker_tuning(b);
}

tracking::PoseTuning tracker_tuning(const AvatarSettings& settings) {
  tracking::PoseTuning tuning = settings.pose_tuning;
  // PoseComposer gives every pose (base pose and expressions too) the iris size, and follows the slider
  // without a new tracker: a tracker built with it would hold a stale size.
  tuning.iris_size = 0.0;
  return tuning;
}

}  // namespace tha4::avatar
