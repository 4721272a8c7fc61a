// recording_check: checks a recording made by the real `obs` (tests/obs/record_with_obs.sh) with OpenCV
// (Debian's videoio decodes MKV/MP4 through libavcodec; no ffmpeg/ffprobe binaries needed).
//
//   recording_check FILE --size WxH --avatar X,Y,W,H --bg RRGGBB [--fps 30] [--min-seconds 3]
//                   [--save-frames DIR]
//
// Checks, each printed as PASS/FAIL with its measurement:
//   1. it opens and decodes; frame size is WxH; at least min-seconds*fps*0.9 frames (OBS on llvmpipe
//      lags a few percent of frames);
//   2. the background outside the avatar rectangle (minus a margin) is the colour source: mean per
//      channel within ±kBgMeanTolerance and ≥ 97 % of pixels within ±kBgPixelTolerance;
//   3. the character is present: in the later half of the recording, ≥ kMinCharacterFraction of the
//      avatar rectangle's pixels differ clearly (> kCharacterDelta in some channel) from the background;
//   4. it moves: the largest mean absolute difference inside the avatar rectangle between two frames
//      ≥ 0.5 s apart (after the character appeared) is ≥ kMinMotion, and ≥ kMotionOverNoise times the
//      median difference of consecutive frames (encoder noise plus the small per-frame motion).
// Exit 0 when all pass, 1 when a check fails, 2 on usage errors or an unreadable file.
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

constexpr double kBgMeanTolerance = 8.0;
constexpr int kBgPixelTolerance = 20;
constexpr double kBgPixelFraction = 0.97;
constexpr int kCharacterDelta = 40;
constexpr double kMinCharacterFraction = 0.08;
constexpr double kMinMotion = 1.5;
constexpr double kMotionOverNoise = 3.0;
constexpr int kMargin = 8;  // pixels left out around the avatar rectangle (chroma subsampling, scaling)

int failures = 0;
void report(bool ok, const char* what, const std::string& detail) {
  std::printf("%s  %s: %s\n", ok ? "PASS" : "FAIL", what, detail.c_str());
  if (!ok) ++failures;
}

std::string fmt(const char* format, double a, double b = 0, double c = 0, double d = 0) {
  char buffer[256];
  std::snprintf(buffer, sizeof buffer, format, a, b, c, d);
  return buffer;
}

// Fraction of pixels of `bgr` (inside `mask` when given) whose largest channel distance from `bg` is > delta.
double fraction_far(const cv::Mat& bgr, const cv::Scalar& bg, int delta, const cv::Mat& mask = {}) {
  cv::Mat diff;
  cv::absdiff(bgr, bg, diff);
  std::vector<cv::Mat> ch;
  cv::split(diff, ch);
  cv::Mat mx = cv::max(cv::max(ch[0], ch[1]), ch[2]);
  cv::Mat far = mx > delta;
  if (!mask.empty()) far &= mask;
  const double total = mask.empty() ? static_cast<double>(bgr.total()) : cv::countNonZero(mask);
  return total > 0 ? cv::countNonZero(far) / total : 0.0;
}

double mean_abs_diff(const cv::Mat& a, const cv::Mat& b) {
  cv::Mat diff;
  cv::absdiff(a, b, diff);
  const cv::Scalar m = cv::mean(diff);
  return (m[0] + m[1] + m[2]) / 3.0;
}

void usage(const char* argv0) {
  std::fprintf(stderr,
               "usage: %s FILE --size WxH --avatar X,Y,W,H --bg RRGGBB [--fps 30] [--min-seconds 3] "
               "[--save-frames DIR]\n",
               argv0);
}

}  // namespace

int main(int argc, char** argv) {
  std::string file, save_dir;
  int width = 0, height = 0;
  cv::Rect avatar;
  unsigned bg_rgb = 0;
  bool have_bg = false;
  double fps = 30.0, min_seconds = 3.0;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto next = [&]() -> const char* {
      if (i + 1 >= argc) {
        usage(argv[0]);
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "--size")
      std::sscanf(next(), "%dx%d", &width, &height);
    else if (arg == "--avatar")
      std::sscanf(next(), "%d,%d,%d,%d", &avatar.x, &avatar.y, &avatar.width, &avatar.height);
    else if (arg == "--bg")
      have_bg = std::sscanf(next(), "%x", &bg_rgb) == 1;
    else if (arg == "--fps")
      fps = std::atof(next());
    else if (arg == "--min-seconds")
      min_seconds = std::atof(next());
    else if (arg == "--save-frames")
      save_dir = next();
    else if (!arg.empty() && arg[0] != '-' && file.empty())
      file = arg;
    else {
      usage(argv[0]);
      return 2;
    }
  }
  if (file.empty() || width <= 0 || height <= 0 || avatar.area() <= 0 || !have_bg) {
    usage(argv[0]);
    return 2;
  }
  const cv::Scalar bg(bg_rgb & 0xff, (bg_rgb >> 8) & 0xff, (bg_rgb >> 16) & 0xff);  // BGR

  cv::VideoCapture capture(file);
  if (!capture.isOpened()) {
    std::printf("FAIL  open: OpenCV cannot open %s\n", file.c_str());
    return 2;
  }
  std::vector<cv::Mat> frames;
  for (cv::Mat frame; capture.read(frame);) frames.push_back(frame.clone());
  const double container_fps = capture.get(cv::CAP_PROP_FPS);
  // OBS 29 tears the scene down ("==== Shutting down") a few frames before the recording output stops,
  // so a recording stopped by closing OBS ends with black frames: leave them out (and say how many).
  int trailing_black = 0;
  while (!frames.empty()) {
    const cv::Scalar m = cv::mean(frames.back());
    if (m[0] + m[1] + m[2] > 3 * 2.0) break;
    frames.pop_back();
    ++trailing_black;
  }
  if (trailing_black) std::printf("left out %d black frame(s) at the end (OBS shutdown)\n", trailing_black);
  const int count = static_cast<int>(frames.size());
  std::printf("recording: %s, backend %s, %d frames decoded, container fps %.2f (%.2f s)\n", file.c_str(),
              capture.getBackendName().c_str(), count, container_fps, count / fps);
  if (count == 0) {
    std::printf("FAIL  decode: no frames\n");
    return 1;
  }

  const int min_frames = static_cast<int>(min_seconds * fps * 0.9);
  report(count >= min_frames, "frame count", fmt("%.0f frames, need >= %.0f", count, min_frames));
  const bool size_ok = frames[0].cols == width && frames[0].rows == height;
  report(size_ok, "frame size", fmt("%.0fx%.0f, expected %.0fx%.0f", frames[0].cols, frames[0].rows, width, height));
  if (!size_ok) return 1;
  avatar &= cv::Rect(0, 0, width, height);
  if (avatar.area() <= 0) {
    std::printf("FAIL  avatar rectangle lies outside the frame\n");
    return 2;
  }

  // Background: everything outside the avatar rectangle grown by the margin.
  cv::Mat bg_mask(height, width, CV_8U, cv::Scalar(255));
  cv::Rect grown(avatar.x - kMargin, avatar.y - kMargin, avatar.width + 2 * kMargin, avatar.height + 2 * kMargin);
  bg_mask(grown & cv::Rect(0, 0, width, height)).setTo(0);
  const int bg_pixels = cv::countNonZero(bg_mask);

  // The character appears once the model has loaded: find the first frame where it is present.
  std::vector<double> presence(count);
  int first_present = -1;
  for (int i = 0; i < count; ++i) {
    presence[i] = fraction_far(frames[i](avatar), bg, kCharacterDelta);
    if (first_present < 0 && presence[i] >= kMinCharacterFraction) first_present = i;
  }

  // 2. Background, on a frame in the middle and the last frame.
  for (int i : {count / 2, count - 1}) {
    if (bg_pixels == 0) break;
    const cv::Scalar mean = cv::mean(frames[i], bg_mask);
    const double err = std::max({std::abs(mean[0] - bg[0]), std::abs(mean[1] - bg[1]), std::abs(mean[2] - bg[2])});
    const double near = 1.0 - fraction_far(frames[i], bg, kBgPixelTolerance, bg_mask);
    char detail[256];
    std::snprintf(detail, sizeof detail,
                  "frame %d: mean RGB (%.1f,%.1f,%.1f) vs (%.0f,%.0f,%.0f), max err %.1f (<= %.0f); %.1f%% of %d "
                  "pixels within +-%d (>= %.0f%%)",
                  i, mean[2], mean[1], mean[0], bg[2], bg[1], bg[0], err, kBgMeanTolerance, 100 * near, bg_pixels,
                  kBgPixelTolerance, 100 * kBgPixelFraction);
    report(err <= kBgMeanTolerance && near >= kBgPixelFraction, "background is the colour source", detail);
  }

  // 3. Presence in the later half (the model loads during the first second or so).
  double min_late = 1.0;
  for (int i = count / 2; i < count; ++i) min_late = std::min(min_late, presence[i]);
  report(min_late >= kMinCharacterFraction, "character present",
         fmt("first seen at frame %.0f; in the later half, min %.1f%% of the avatar rectangle differs by > %.0f "
             "from the background (need >= %.0f%%)",
             first_present, 100 * min_late, kCharacterDelta, 100 * kMinCharacterFraction));

  // 4. Motion, from the first frame with the character on.
  const int begin = std::max(first_present, 0);
  std::vector<double> consecutive;
  for (int i = begin + 1; i < count; ++i)
    consecutive.push_back(mean_abs_diff(frames[i - 1](avatar), frames[i](avatar)));
  double noise = 0.0;
  if (!consecutive.empty()) {
    std::vector<double> sorted = consecutive;
    std::nth_element(sorted.begin(), sorted.begin() + sorted.size() / 2, sorted.end());
    noise = sorted[sorted.size() / 2];
  }
  const int gap = std::max(1, static_cast<int>(0.5 * fps));
  double motion = 0.0;
  int motion_a = -1, motion_b = -1;
  const int stride = std::max(1, static_cast<int>(fps / 10));  // sample at ~10 Hz: enough, and fast
  for (int a = begin; a < count; a += stride) {
    for (int b = a + gap; b < count; b += stride) {
      const double d = mean_abs_diff(frames[a](avatar), frames[b](avatar));
      if (d > motion) motion = d, motion_a = a, motion_b = b;
    }
  }
  const double early_late = count - begin > 2 ? mean_abs_diff(frames[begin + (count - begin) / 4](avatar),
                                                              frames[begin + 3 * (count - begin) / 4](avatar))
                                              : 0.0;
  const long changed = std::count_if(consecutive.begin(), consecutive.end(), [](double d) { return d > 0.3; });
  std::printf(
      "motion: max %.2f (frames %d vs %d), early-vs-late (25%%/75%%) %.2f, consecutive median %.2f; %ld of %zu "
      "consecutive pairs changed (> 0.3): the avatar updated at ~%.1f fps\n",
      motion, motion_a, motion_b, early_late, noise, changed, consecutive.size(),
      consecutive.empty() ? 0.0 : fps * changed / consecutive.size());
  report(motion >= kMinMotion && motion >= kMotionOverNoise * noise, "character moves",
         fmt("max mean |diff| %.2f >= %.1f and >= %.0fx consecutive-frame median %.2f", motion, kMinMotion,
             kMotionOverNoise, noise));

  if (!save_dir.empty()) {
    for (int i : {begin, motion_a, motion_b, count - 1}) {
      if (i < 0) continue;
      cv::imwrite(save_dir + "/frame_" + std::to_string(i) + ".png", frames[i]);
    }
  }
  std::printf("%s: %d check(s) failed\n", failures ? "FAILED" : "OK", failures);
  return failures ? 1 : 0;
}
