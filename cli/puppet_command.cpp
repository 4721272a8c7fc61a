// tha4 puppet: the character driven by a tracker, side by side with what the tracker sees -> MP4,
// optionally with the pose trace as CSV.
#include "cli/cli_common.h"
#include "cli/commands.h"
#include "inference/image/display.h"
#include "inference/util/errors.h"
#include "tracking/camera/face_tracking_pipeline.h"
#include "tracking/camera/frame_source.h"
#include "tracking/network/ifacialmocap_tracker.h"
#include "tracking/network/openseeface_tracker.h"
#include "tracking/network/vmc_tracker.h"

#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <thread>

namespace tha4::cli {
namespace {

using tracking::TrackedPose;

constexpr int kPanel = 512;

struct PuppetOptions {
  EngineOptions engine;
  std::string video;
  int camera = -1;
  std::string ifacialmocap;
  int vmc_port = -1;
  int openseeface_port = -1;
  std::string output = "puppet.mp4";
  std::string trace;
  double seconds = 10.0;  // live inputs only
  double fps = 30.0;      // live inputs only
  int max_frames = 0;     // 0: no limit
  bool no_mirror = false;
  std::string landmark_model = tracking::kDefaultLandmarkModel.string();
};

// One step of an input: the pose to render and what to show beside it.
struct PuppetStep {
  TrackedPose pose;
  cv::Mat view;  // the left panel, kPanel × kPanel BGR
};

class PuppetInput {
 public:
  virtual ~PuppetInput() = default;
  virtual bool next(PuppetStep& step) = 0;  // false when the input has ended
  virtual double fps() const = 0;
  virtual std::string description() const = 0;
};

// A frame letterboxed into the panel, with the tracked landmarks drawn on it.
cv::Mat camera_view(const cv::Mat& frame, const std::optional<tracking::FaceObservation>& face,
                    const std::string& state) {
  cv::Mat view(kPanel, kPanel, CV_8UC3, cv::Scalar(30, 30, 30));
  const double scale = std::min(double(kPanel) / frame.cols, double(kPanel) / frame.rows);
  const cv::Size size(static_cast<int>(frame.cols * scale), static_cast<int>(frame.rows * scale));
  const cv::Point offset((kPanel - size.width) / 2, (kPanel - size.height) / 2);
  cv::Mat resized;
  cv::resize(frame, resized, size, 0, 0, cv::INTER_AREA);
  resized.copyTo(view(cv::Rect(offset, size)));
  if (face) {
    for (const cv::Point2f& p : face->landmarks) {
      cv::circle(view, cv::Point2f(p.x * scale + offset.x, p.y * scale + offset.y), 2, cv::Scalar(80, 255, 80),
                 cv::FILLED, cv::LINE_AA);
    }
  }
  cv::putText(view, state, {8, kPanel - 12}, cv::FONT_HERSHEY_SIMPLEX, 0.5, cv::Scalar(255, 255, 255), 1, cv::LINE_AA);
  return view;
}

// Network trackers send no picture: show the pose as bars instead.
cv::Mat pose_view(const TrackedPose& pose, const std::string& status) {
  cv::Mat view(kPanel, kPanel, CV_8UC3, cv::Scalar(30, 30, 30));
  const int row = (kPanel - 24) / kPoseSize;
  for (const auto& p : pose_parameters()) {
    const int y = 4 + p.index * row;
    const float v = pose.pose[p.index];
    const int zero = p.min < 0 ? 330 : 250;
    const int end = zero + static_cast<int>(v * 160);
    cv::rectangle(view, {std::min(zero, end), y}, {std::max(zero, end), y + row - 2}, cv::Scalar(90, 200, 255),
                  cv::FILLED);
    cv::putText(view, std::string(p.name), {4, y + row - 2}, cv::FONT_HERSHEY_PLAIN, 0.7, cv::Scalar(220, 220, 220));
  }
  cv::putText(view, status, {8, kPanel - 8}, cv::FONT_HERSHEY_SIMPLEX, 0.45, cv::Scalar(255, 255, 255), 1, cv::LINE_AA);
  return view;
}

class CameraInput final : public PuppetInput {
 public:
  CameraInput(std::unique_ptr<tracking::FrameSource> source, const PuppetOptions& options, bool live)
      : source_(std::move(source)), pipeline_(settings(options)), live_(live), options_(options) {}

  bool next(PuppetStep& step) override {
    if (live_ && elapsed() > options_.seconds) return false;
    tracking::Frame frame;
    switch (source_->read(frame)) {
      case tracking::FrameStatus::kFrame: break;
      case tracking::FrameStatus::kEndOfStream: return false;
      case tracking::FrameStatus::kDisconnected: throw Error(source_->description() + ": camera disconnected");
    }
    const tracking::FrameResult result = pipeline_.process(frame.image, frame.timestamp_s);
    step.pose = result.pose;
    step.view = camera_view(frame.image, result.face, std::string(tracking::tracking_state_text(result.state)));
    return true;
  }
  double fps() const override { return live_ ? options_.fps : 0.0; }
  std::string description() const override { return source_->description(); }

 private:
  static tracking::TrackerSettings settings(const PuppetOptions& options) {
    tracking::TrackerSettings s;
    s.landmark_model = options.landmark_model;
    s.mapping.tuning.mirror = !options.no_mirror;
    return s;
  }
  double elapsed() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count(); }

  std::unique_ptr<tracking::FrameSource> source_;
  tracking::FaceTrackingPipeline pipeline_;
  bool live_;
  const PuppetOptions& options_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

// Polls a network tracker at the output frame rate for --seconds.
class NetworkInput final : public PuppetInput {
 public:
  NetworkInput(std::unique_ptr<tracking::PoseTracker> tracker, std::string description, const PuppetOptions& options)
      : tracker_(std::move(tracker)), description_(std::move(description)), options_(options) {}

  bool next(PuppetStep& step) override {
    const double t = frame_ / options_.fps;
    if (t > options_.seconds) return false;
    std::this_thread::sleep_until(
        start_ + std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(t)));
    ++frame_;
    step.pose = tracker_->latest().value_or(TrackedPose{rest_pose(), t, false, 0});
    step.pose.timestamp = t;
    step.view = pose_view(step.pose, tracker_->status());
    return true;
  }
  double fps() const override { return options_.fps; }
  std::string description() const override { return description_; }

 private:
  std::unique_ptr<tracking::PoseTracker> tracker_;
  std::string description_;
  const PuppetOptions& options_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  long long frame_ = 0;
};

std::unique_ptr<PuppetInput> open_input(const PuppetOptions& options) {
  const int chosen = !options.video.empty() + (options.camera >= 0) + !options.ifacialmocap.empty() +
                     (options.vmc_port >= 0) + (options.openseeface_port >= 0);
  if (chosen != 1) {
    throw Error(
        "choose exactly one input: --video FILE, --camera N, --ifacialmocap IP, --vmc PORT or --openseeface PORT");
  }
  try {
    if (!options.video.empty()) {
      return std::make_unique<CameraInput>(tracking::VideoCaptureSource::open_file(options.video, false), options,
                                           false);
    }
    if (options.camera >= 0) {
      return std::make_unique<CameraInput>(tracking::VideoCaptureSource::open_camera(options.camera), options, true);
    }
  } catch (const tracking::FrameSourceError& e) {
    throw Error(e.what());
  }
  if (!options.ifacialmocap.empty()) {
    tracking::IFacialMocapTrackerOptions o;
    o.phone_address = options.ifacialmocap;
    return std::make_unique<NetworkInput>(std::make_unique<tracking::IFacialMocapTracker>(o),
                                          "iFacialMocap at " + options.ifacialmocap, options);
  }
  if (options.openseeface_port >= 0) {
    tracking::OpenSeeFaceTrackerOptions o;
    o.port = static_cast<std::uint16_t>(options.openseeface_port);
    return std::make_unique<NetworkInput>(std::make_unique<tracking::OpenSeeFaceTracker>(o),
                                          "OpenSeeFace on port " + std::to_string(options.openseeface_port), options);
  }
  tracking::VmcTrackerOptions o;
  o.port = static_cast<std::uint16_t>(options.vmc_port);
  return std::make_unique<NetworkInput>(std::make_unique<tracking::VmcTracker>(o),
                                        "VMC on port " + std::to_string(options.vmc_port), options);
}

class TraceWriter {
 public:
  explicit TraceWriter(const std::string& file) {
    if (file.empty()) return;
    out_.open(file);
    if (!out_) throw Error("cannot write the pose trace " + file);
    out_ << "time,face_found";
    for (const auto& p : pose_parameters()) out_ << ',' << p.name;
    out_ << '\n';
  }
  void write(const TrackedPose& pose) {
    if (!out_.is_open()) return;
    char number[32];
    std::snprintf(number, sizeof number, "%.4f", pose.timestamp);
    out_ << number << ',' << (pose.face_found ? 1 : 0);
    for (float v : pose.pose) {
      std::snprintf(number, sizeof number, "%.6g", v);
      out_ << ',' << number;
    }
    out_ << '\n';
  }

 private:
  std::ofstream out_;
};

cv::Mat avatar_view(const Rgba8Image& image) {
  cv::Mat out(image.height, image.width, CV_8UC3);
  for (int y = 0; y < image.height; ++y) {
    for (int x = 0; x < image.width; ++x) {
      const std::uint8_t* px = image.at(x, y);
      const float a = px[3] / 255.0f;
      auto& dst = out.at<cv::Vec3b>(y, x);
      for (int c = 0; c < 3; ++c) dst[c] = static_cast<std::uint8_t>(px[2 - c] * a + 235.0f * (1.0f - a) + 0.5f);
    }
  }
  return out;
}

void run_puppet(const PuppetOptions& options) {
  LoadedEngine loaded = load_engine(options.engine);
  const std::unique_ptr<PuppetInput> input = open_input(options);
  double fps = input->fps();
  if (fps <= 0.0) {
    cv::VideoCapture probe(options.video);
    fps = probe.get(cv::CAP_PROP_FPS);
    if (!(fps > 0.0)) fps = 30.0;
  }
  cv::VideoWriter video(options.output, cv::VideoWriter::fourcc('m', 'p', '4', 'v'), fps, cv::Size(2 * kPanel, kPanel));
  if (!video.isOpened()) throw Error("cannot open " + options.output + " for writing");
  TraceWriter trace(options.trace);
  std::printf("puppet: %s -> %s (%.2f fps, %s engine)\n", input->description().c_str(), options.output.c_str(), fps,
              std::string(loaded.engine->name()).c_str());
  PuppetStep step;
  int frames = 0, with_face = 0;
  while ((options.max_frames == 0 || frames < options.max_frames) && input->next(step)) {
    const Rgba8Image avatar =
        image_tensor_to_rgba8(loaded.engine->run(step.pose.pose).blended(), DisplayPath::kStraightAlpha);
    cv::Mat canvas(kPanel, 2 * kPanel, CV_8UC3);
    step.view.copyTo(canvas(cv::Rect(0, 0, kPanel, kPanel)));
    avatar_view(avatar).copyTo(canvas(cv::Rect(kPanel, 0, kPanel, kPanel)));
    video.write(canvas);
    trace.write(step.pose);
    ++frames;
    with_face += step.pose.face_found;
    if (frames % 10 == 0) {
      std::printf("\r  %d frames", frames);
      std::fflush(stdout);
    }
  }
  std::printf("\r  %d frames, a face in %d of them\n", frames, with_face);
}

}  // namespace

void add_puppet_command(CLI::App& app) {
  auto options = std::make_shared<PuppetOptions>();
  CLI::App* command = app.add_subcommand(
      "puppet", "Drive the character with a tracker and write the result beside the tracker's input as an MP4");
  options->engine.add_to(*command);
  command->add_option("--video", options->video, "Track the face in a video file")->check(CLI::ExistingFile);
  command->add_option("--camera", options->camera, "Track the face from webcam N")->check(CLI::Range(0, 63));
  command->add_option("--ifacialmocap", options->ifacialmocap,
                      "Receive iFacialMocap from the phone at this IP address");
  command->add_option("--vmc", options->vmc_port, "Receive the VMC protocol on this UDP port (usually 39539)")
      ->check(CLI::Range(1, 65535));
  command
      ->add_option("--openseeface", options->openseeface_port,
                   "Receive OpenSeeFace's facetracker.py on this UDP port (usually 11573)")
      ->check(CLI::Range(1, 65535));
  command->add_option("-o,--output", options->output, "Output MP4 (input on the left, character on the right)");
  command->add_option("--trace", options->trace, "Also write the poses as CSV: time, face_found, the 45 parameters");
  command->add_option("--seconds", options->seconds, "How long to record a live input")->check(CLI::Range(0.1, 3600.0));
  command->add_option("--fps", options->fps, "Output frame rate for live inputs")->check(CLI::Range(1.0, 60.0));
  command->add_option("--max-frames", options->max_frames, "Stop after this many frames (0: no limit)")
      ->check(CLI::Range(0, 10000000));
  command->add_flag("--no-mirror", options->no_mirror, "Puppet mode: your left is the character's right");
  command->add_option("--landmark-model", options->landmark_model,
                      "dlib's 68-point model (Debian package libdlib-data)");
  command->callback([options] { run_puppet(*options); });
}

}  // namespace tha4::cli
