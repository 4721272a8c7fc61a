#pragma once
// Where camera frames come from: an interface, so the tracker can be fed by a webcam, a video file or (in the
// OBS plugin) any OBS video source, and its OpenCV implementation for webcams and files.

#include "tracking/common/steady_seconds.h"

#include <opencv2/core/mat.hpp>
#include <opencv2/videoio.hpp>

#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

namespace tha4::tracking {

class FrameSourceError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Frame {
  cv::Mat image;  // 8-bit BGR
  double timestamp_s = 0.0;
};

enum class FrameStatus {
  kFrame,         // `frame` holds the next frame
  kEndOfStream,   // a file ended
  kDisconnected,  // a camera stopped delivering (unplugged, taken by another program)
};

class FrameSource {
 public:
  virtual ~FrameSource() = default;
  // Blocks until the next frame (a camera delivers at its own rate).
  virtual FrameStatus read(Frame& frame) = 0;
  virtual std::string description() const = 0;
};

class VideoCaptureSource final : public FrameSource {
 public:
  // A webcam by index; asks for `size` and `fps` (the camera may pick others). Timestamps are the steady
  // clock at capture. Throws FrameSourceError if the camera cannot be opened.
  static std::unique_ptr<VideoCaptureSource> open_camera(int index, cv::Size size = {640, 480}, double fps = 30.0);
  // A video file (or a camera device path such as /dev/video0). Timestamps are frame index / frame rate;
  // `paced` sleeps so frames come out at the file's rate, as a camera would deliver them. Throws
  // FrameSourceError if it cannot be opened.
  static std::unique_ptr<VideoCaptureSource> open_file(const std::filesystem::path& path, bool paced);

  FrameStatus read(Frame& frame) override;
  std::string description() const override { return description_; }

 private:
  VideoCaptureSource(cv::VideoCapture capture, std::string description, bool live, bool paced);

  cv::VideoCapture capture_;
  std::string description_;
  bool live_;
  bool paced_;
  double frame_period_s_;
  long long frames_read_ = 0;
  double start_s_ = 0.0;  // steady clock at the first paced frame
};

}  // namespace tha4::tracking
