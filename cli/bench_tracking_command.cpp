// tha4 bench tracking: per-frame cost of the camera tracker on a video, and of a full-frame face detection.
#include "tracking/camera/face_detector.h"
#include "tracking/camera/face_tracking_pipeline.h"
#include "tracking/camera/landmark_predictor.h"
#include "tracking/camera/tracker_settings.h"

#include <CLI/CLI.hpp>
#include <opencv2/core/utility.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace tha4::cli {
namespace {

struct TrackingBenchOptions {
  std::string video;
  int frames = 0;                // 0: the whole video
  std::string size = "640x480";  // frames are scaled to this, or "native"
  std::string model = tracking::kDefaultLandmarkModel.string();
};

struct Timing {
  std::size_t count = 0;
  double median = 0.0, min = 0.0, max = 0.0;
};

Timing summarize(std::vector<double> ms) {
  Timing t;
  t.count = ms.size();
  if (ms.empty()) return t;
  std::sort(ms.begin(), ms.end());
  const std::size_t n = ms.size();
  t.median = n % 2 ? ms[n / 2] : (ms[n / 2 - 1] + ms[n / 2]) / 2;
  t.min = ms.front();
  t.max = ms.back();
  return t;
}

void print_timing(const char* label, const Timing& t) {
  if (t.count == 0) {
    std::printf("  %-34s (none)\n", label);
    return;
  }
  std::printf("  %-34s median %7.2f ms   min %7.2f ms   max %7.2f ms   (%zu)\n", label, t.median, t.min, t.max,
              t.count);
}

template <class Work>
double time_ms(Work&& work) {
  const auto start = std::chrono::steady_clock::now();
  work();
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

cv::Size parse_size(const std::string& text) {
  if (text == "native") return {};
  int width = 0, height = 0;
  char separator = 0;
  if (std::sscanf(text.c_str(), "%d%c%d", &width, &separator, &height) != 3 || separator != 'x' || width <= 0 ||
      height <= 0) {
    throw std::runtime_error("--size wants WIDTHxHEIGHT or native, not " + text);
  }
  return {width, height};
}

// Decodes the frames up front, so decoding is not timed.
std::vector<cv::Mat> read_frames(const TrackingBenchOptions& options, double& fps) {
  cv::VideoCapture capture(options.video);
  if (!capture.isOpened()) throw std::runtime_error("cannot open video " + options.video);
  fps = capture.get(cv::CAP_PROP_FPS);
  if (!(fps > 0.0)) fps = 30.0;
  const cv::Size size = parse_size(options.size);
  std::vector<cv::Mat> frames;
  cv::Mat frame;
  while ((options.frames == 0 || static_cast<int>(frames.size()) < options.frames) && capture.read(frame)) {
    if (size.empty()) {
      frames.push_back(frame.clone());
    } else {
      cv::Mat resized;
      cv::resize(frame, resized, size, 0, 0, cv::INTER_AREA);
      frames.push_back(resized);
    }
  }
  if (frames.empty()) throw std::runtime_error("no frames in " + options.video);
  return frames;
}

void run_tracking_bench(const TrackingBenchOptions& options) {
  cv::setNumThreads(1);  // one core, as the tracker's worker thread runs
  double fps = 0.0;
  const std::vector<cv::Mat> frames = read_frames(options, fps);
  std::shared_ptr<const tracking::LandmarkPredictor> predictor;
  const double load_ms =
      time_ms([&] { predictor = std::make_shared<const tracking::LandmarkPredictor>(options.model); });
  std::printf("bench tracking: %s, %zu frame(s) of %dx%d at %.2f fps, 1 thread; landmark model loaded in %.0f ms\n",
              options.video.c_str(), frames.size(), frames[0].cols, frames[0].rows, fps, load_ms);

  tracking::TrackerSettings settings;
  settings.landmark_model = options.model;
  tracking::FaceTrackingPipeline pipeline(settings, predictor);
  std::vector<double> all, landmarks_only, with_redetection, with_search;
  std::size_t faces = 0;
  for (std::size_t i = 0; i < frames.size(); ++i) {
    tracking::FrameResult result;
    const double ms = time_ms([&] { result = pipeline.process(frames[i], static_cast<double>(i) / fps); });
    all.push_back(ms);
    if (result.face) ++faces;
    if (result.work.searched || result.work.searched_full_frame) {
      with_search.push_back(ms);
    } else if (result.work.redetected) {
      with_redetection.push_back(ms);
    } else if (result.face) {
      landmarks_only.push_back(ms);
    }
  }
  std::printf("  face found in %zu of %zu frames (%.1f%%)\n", faces, frames.size(), 100.0 * faces / frames.size());
  print_timing("per frame, all", summarize(all));
  print_timing("  tracked without detection", summarize(landmarks_only));
  print_timing("  with a re-detection in a crop", summarize(with_redetection));
  print_timing("  with a search (no face yet)", summarize(with_search));

  // Detection alone on frames spread over the clip, converted to grey first as the tracker does.
  constexpr std::size_t kDetectionSamples = 15;
  tracking::FaceDetector detector;
  std::vector<double> full, half;
  for (std::size_t k = 0; k < kDetectionSamples; ++k) {
    cv::Mat gray;
    cv::cvtColor(frames[k * frames.size() / kDetectionSamples], gray, cv::COLOR_BGR2GRAY);
    full.push_back(time_ms([&] { detector.detect(gray, 1.0); }));
    half.push_back(time_ms([&] { detector.detect(gray, settings.detection.search_scale); }));
  }
  const std::string full_label =
      "full-frame detection " + std::to_string(frames[0].cols) + "x" + std::to_string(frames[0].rows);
  print_timing(full_label.c_str(), summarize(full));
  print_timing("reduced-image detection (search)", summarize(half));
}

}  // namespace

void add_tracking_bench_command(CLI::App& bench) {
  auto options = std::make_shared<TrackingBenchOptions>();
  CLI::App* command =
      bench.add_subcommand("tracking", "Time the camera tracker per frame, and a full-frame face detection");
  command->add_option("--video", options->video, "Video file to track")->required()->check(CLI::ExistingFile);
  command->add_option("--frames", options->frames, "Frames to use (0: all)")->check(CLI::Range(0, 1000000));
  command->add_option("--size", options->size, "Scale frames to WIDTHxHEIGHT first, or 'native'");
  command->add_option("--model", options->model, "dlib 68-point landmark model");
  command->callback([options] { run_tracking_bench(*options); });
}

}  // namespace tha4::cli
