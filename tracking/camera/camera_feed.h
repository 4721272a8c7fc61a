#pragma once
// A thread that reads a frame source and hands every frame to a camera tracker, so a camera's blocking reads
// never delay tracking. A camera that stops delivering is reported as "camera disconnected" and reopened
// every second; a file that ends is reported as "end of video".

#include "tracking/camera/camera_tracker.h"
#include "tracking/camera/frame_source.h"

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

namespace tha4::tracking {

class CameraFeed {
 public:
  // `open_source` opens (and, after a disconnection, reopens) the source; it throws FrameSourceError when
  // it cannot. The tracker must outlive the feed.
  CameraFeed(std::function<std::unique_ptr<FrameSource>()> open_source, CameraTracker& tracker,
             double reopen_interval_s = 1.0);
  ~CameraFeed();  // stops and joins the reader
  CameraFeed(const CameraFeed&) = delete;
  CameraFeed& operator=(const CameraFeed&) = delete;

  // False once a file has ended (a camera feed runs until destroyed).
  bool running() const { return running_.load(); }

 private:
  void run();
  bool stopping();
  // Waits up to `seconds`, less if the feed is being stopped.
  void pause(double seconds);

  std::function<std::unique_ptr<FrameSource>()> open_source_;
  CameraTracker& tracker_;
  double reopen_interval_s_;
  std::mutex stop_mutex_;
  std::condition_variable stop_requested_;
  bool stopping_ = false;
  std::atomic<bool> running_{true};
  std::thread reader_;  // last: it uses everything above
};

}  // namespace tha4::tracking
