#include "plugin/runtime/tracking_input.h"

#include "tracking/common/steady_seconds.h"

#include "tracking/camera/camera_feed.h"
#include "tracking/camera/camera_tracker.h"
#include "tracking/network/ifacialmocap_tracker.h"
#include "tracking/network/openseeface_tracker.h"
#include "tracking/network/vmc_tracker.h"

#include <opencv2/core/mat.hpp>

#include <stdexcept>
#include <string>

namespace tha4::avatar {
namespace {

// /dev/video2 -> 2; a bare number is an index too. Anything else is opened as a path by OpenCV.
std::optional<int> camera_index(const std::string& device) {
  std::string digits = device;
  const std::string prefix = "/dev/video";
  if (digits.rfind(prefix, 0) == 0) digits = digits.substr(prefix.size());
  if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  return std::stoi(digits);
}

tracking::TrackerSettings camera_settings(const AvatarSettings& settings) {
  tracking::TrackerSettings tracker;
  tracker.mapping.tuning = tracker_tuning(settings);
  return tracker;
}

// A UDP port from the settings, or an error naming the protocol.
std::uint16_t checked_port(int port, const std::string& protocol) {
  if (port < 1 || port > 65535) throw std::runtime_error("the " + protocol + " port must be between 1 and 65535");
  return static_cast<std::uint16_t>(port);
}

tracking::BlendshapePoseConverterConfig converter_config(const AvatarSettings& settings) {
  tracking::BlendshapePoseConverterConfig config;
  config.tuning = tracker_tuning(settings);
  return config;
}

// A tracker that listens on a UDP port of the settings (VMC, OpenSeeFace), and its words for the status.
struct ListeningTracker {
  std::shared_ptr<tracking::PoseTracker> tracker;
  std::string description;
};
template <class Tracker, class Options>
ListeningTracker listen_on(int port, const std::string& protocol, const AvatarSettings& settings) {
  Options options;
  options.port = checked_port(port, protocol);
  options.converter = converter_config(settings);
  auto tracker = std::make_shared<Tracker>(options);
  std::string description = protocol + " on UDP port " + std::to_string(tracker->port());
  return {std::move(tracker), std::move(description)};
}

// The source frame grabber sends frames at up to 30 a second; two seconds without one means it is gone.
constexpr double kNoObsFramesAfterSeconds = 2.0;

}  // namespace

TrackingInputHolder::TrackingInputHolder() = default;
TrackingInputHolder::~TrackingInputHolder() { reset(); }

void TrackingInputHolder::reset() {
  {
    std::lock_guard<std::mutex> lock(external_mutex_);
    external_ = nullptr;  // after this the graphics thread cannot reach the tracker
  }
  feed_.reset();  // the feed uses the tracker: stop it first
  camera_ = nullptr;
  tracker_.reset();
  description_.clear();
}

void TrackingInputHolder::rebuild(const AvatarSettings& settings) {
  reset();
  switch (settings.tracking) {
    case TrackingInput::kNone: return;
    case TrackingInput::kObsSource:
    case TrackingInput::kCamera: {
      auto camera = std::make_shared<tracking::CameraTracker>(camera_settings(settings));
      camera_ = camera.get();
      tracker_ = camera;
      if (settings.tracking == TrackingInput::kCamera) {
        if (settings.camera_device.empty()) {
          reset();
          throw std::runtime_error("no camera chosen: pick a camera device in the source's properties");
        }
        const std::string device = settings.camera_device;
        description_ = "the camera " + settings.camera_device;
        feed_ = std::make_unique<tracking::CameraFeed>(
            [device]() -> std::unique_ptr<tracking::FrameSource> {
              try {
                if (const auto index = camera_index(device)) return tracking::VideoCaptureSource::open_camera(*index);
                return tracking::VideoCaptureSource::open_file(device, false);
              } catch (const tracking::FrameSourceError&) {
                // The feed shows this as the tracking status and tries again every second.
                throw tracking::FrameSourceError("cannot open the camera " + device +
                                                 " (unplugged, or in use by another program); retrying");
              }
            },
            *camera_);
      } else {
        description_ = "the OBS source '" + settings.obs_video_source + "'";
        obs_source_name_ = settings.obs_video_source;
        external_since_s_ = tracking::steady_seconds();
        last_external_frame_s_ = -1.0;
        std::lock_guard<std::mutex> lock(external_mutex_);
        external_ = camera_;
      }
      return;
    }
    case TrackingInput::kIFacialMocap: {
      tracking::IFacialMocapTrackerOptions options;
      options.phone_address = settings.phone_address;
      options.converter = converter_config(settings);
      auto phone = std::make_shared<tracking::IFacialMocapTracker>(options);
      description_ = "iFacialMocap on UDP port " + std::to_string(phone->port()) +
                     (settings.phone_address.empty() ? std::string(" (waiting for the phone)")
                                                     : " (asking " + settings.phone_address + " to stream)");
      tracker_ = std::move(phone);
      return;
    }
    case TrackingInput::kVmc:
    case TrackingInput::kOpenSeeFace: {
      ListeningTracker listening =
          settings.tracking == TrackingInput::kVmc
              ? listen_on<tracking::VmcTracker, tracking::VmcTrackerOptions>(settings.vmc_port, "VMC", settings)
              : listen_on<tracking::OpenSeeFaceTracker, tracking::OpenSeeFaceTrackerOptions>(settings.openseeface_port,
                                                                                             "OpenSeeFace", settings);
      tracker_ = std::move(listening.tracker);
      description_ = std::move(listening.description);
      return;
    }
  }
}

std::optional<tracking::TrackedPose> TrackingInputHolder::latest() const {
  if (!tracker_) return std::nullopt;
  return tracker_->latest();
}

std::string TrackingInputHolder::status() const {
  if (!tracker_) return {};
  if (camera_ != nullptr && feed_ == nullptr) {  // frames come from an OBS source
    const double now = tracking::steady_seconds();
    const double last = last_external_frame_s_.load();
    const double silent_s = now - (last >= 0.0 ? last : external_since_s_);
    if (silent_s > kNoObsFramesAfterSeconds) {
      return "no video from the OBS source '" + obs_source_name_ + "' for " +
             std::to_string(static_cast<long long>(silent_s)) +
             " s (removed, renamed, or showing nothing); it is picked up again when it returns";
    }
  }
  return tracker_->status();
}

void TrackingInputHolder::recalibrate() {
  if (camera_) camera_->recalibrate();
}

bool TrackingInputHolder::submit_video_frame(const std::uint8_t* bgra, int width, int height, int stride,
                                             double timestamp_s) {
  std::unique_lock<std::mutex> lock(external_mutex_, std::try_to_lock);
  if (!lock.owns_lock() || external_ == nullptr || bgra == nullptr || width <= 0 || height <= 0) return false;
  // The tracker copies the frame before returning, so wrapping OBS's mapped memory is safe.
  const cv::Mat frame(height, width, CV_8UC4, const_cast<std::uint8_t*>(bgra), static_cast<std::size_t>(stride));
  external_->submit_frame(frame, timestamp_s);
  last_external_frame_s_ = tracking::steady_seconds();
  return true;
}

}  // namespace tha4::avatar
