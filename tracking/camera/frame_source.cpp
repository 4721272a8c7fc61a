#include "tracking/camera/frame_source.h"

#include <chrono>
#include <system_error>
#include <thread>
#include <utility>

namespace tha4::tracking {
namespace {

constexpr double kFallbackFps = 30.0;  // files that do not state a frame rate

}  // namespace

VideoCaptureSource::VideoCaptureSource(cv::VideoCapture capture, std::string description, bool live, bool paced)
    : capture_(std::move(capture)), description_(std::move(description)), live_(live), paced_(paced) {
  const double fps = capture_.get(cv::CAP_PROP_FPS);
  frame_period_s_ = 1.0 / (fps > 0.0 ? fps : kFallbackFps);
}

std::unique_ptr<VideoCaptureSource> VideoCaptureSource::open_camera(int index, cv::Size size, double fps) {
  cv::VideoCapture capture(index);
  if (!capture.isOpened()) throw FrameSourceError("cannot open camera " + std::to_string(index));
  capture.set(cv::CAP_PROP_FRAME_WIDTH, size.width);
  capture.set(cv::CAP_PROP_FRAME_HEIGHT, size.height);
  capture.set(cv::CAP_PROP_FPS, fps);
  return std::unique_ptr<VideoCaptureSource>(
      new VideoCaptureSource(std::move(capture), "camera " + std::to_string(index), true, false));
}

std::unique_ptr<VideoCaptureSource> VideoCaptureSource::open_file(const std::filesystem::path& path, bool paced) {
  // A device path is a camera: it has no end, and a failed read means it went away.
  const bool live = path.string().rfind("/dev/", 0) == 0;
  // Checked first: OpenCV would try every backend on a missing file and log a screen of warnings.
  std::error_code error;
  if (!std::filesystem::exists(path, error)) throw FrameSourceError("no such video: " + path.string());
  cv::VideoCapture capture(path.string());
  if (!capture.isOpened()) throw FrameSourceError("cannot open video " + path.string());
  return std::unique_ptr<VideoCaptureSource>(
      new VideoCaptureSource(std::move(capture), path.string(), live, paced && !live));
}

FrameStatus VideoCaptureSource::read(Frame& frame) {
  if (!capture_.read(frame.image) || frame.image.empty()) {
    return live_ ? FrameStatus::kDisconnected : FrameStatus::kEndOfStream;
  }
  if (live_) {
    frame.timestamp_s = steady_seconds();
    return FrameStatus::kFrame;
  }
  frame.timestamp_s = static_cast<double>(frames_read_++) * frame_period_s_;
  if (paced_) {
    if (frames_read_ == 1) start_s_ = steady_seconds();
    const double wait_s = start_s_ + frame.timestamp_s - steady_seconds();
    if (wait_s > 0.0) std::this_thread::sleep_for(std::chrono::duration<double>(wait_s));
  }
  return FrameStatus::kFrame;
}

}  // namespace tha4::tracking
