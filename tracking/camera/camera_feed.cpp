#include "tracking/camera/camera_feed.h"

#include <chrono>
#include <utility>

namespace tha4::tracking {

CameraFeed::CameraFeed(std::function<std::unique_ptr<FrameSource>()> open_source, CameraTracker& tracker,
                       double reopen_interval_s)
    : open_source_(std::move(open_source)),
      tracker_(tracker),
      reopen_interval_s_(reopen_interval_s),
      reader_([this] { run(); }) {}

CameraFeed::~CameraFeed() {
  {
    std::lock_guard<std::mutex> lock(stop_mutex_);
    stopping_ = true;
  }
  stop_requested_.notify_all();
  reader_.join();
}

bool CameraFeed::stopping() {
  std::lock_guard<std::mutex> lock(stop_mutex_);
  return stopping_;
}

void CameraFeed::pause(double seconds) {
  std::unique_lock<std::mutex> lock(stop_mutex_);
  stop_requested_.wait_for(lock, std::chrono::duration<double>(seconds), [this] { return stopping_; });
}

void CameraFeed::run() {
  std::unique_ptr<FrameSource> source;
  Frame frame;
  while (!stopping()) {
    if (!source) {
      try {
        source = open_source_();
        tracker_.set_source_status("");
      } catch (const FrameSourceError& e) {
        tracker_.set_source_status(e.what());
        pause(reopen_interval_s_);
        continue;
      }
    }
    const FrameStatus status = source->read(frame);
    if (status == FrameStatus::kFrame) {
      tracker_.submit_frame(frame.image, frame.timestamp_s);
    } else if (status == FrameStatus::kEndOfStream) {
      tracker_.set_source_status("end of video: " + source->description());
      break;
    } else {
      tracker_.set_source_status("camera disconnected: " + source->description());
      source.reset();
      pause(reopen_interval_s_);
    }
  }
  running_ = false;
}

}  // namespace tha4::tracking
