// tha4 demo: the default character through a scripted animation -> MP4 + contact sheet PNG.
#include "cli/cli_common.h"
#include "cli/commands.h"
#include "cli/demo_animation.h"
#include "inference/image/display.h"
#include "inference/util/errors.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>

namespace tha4::cli {
namespace {

struct DemoOptions {
  EngineOptions engine;
  std::string output_dir = "demo-output";
  double fps = 24.0;
  int sheet_columns = 6;
};

int nearest_frame(double t, int frames) {
  return static_cast<int>(std::lround(t / demo_duration_seconds() * (frames - 1)));
}

// Straight-alpha RGBA over an opaque background, as OBS would composite it (in sRGB), as BGR for OpenCV.
cv::Mat composite_bgr(const Rgba8Image& image, const cv::Scalar& background_bgr) {
  cv::Mat out(image.height, image.width, CV_8UC3);
  for (int y = 0; y < image.height; ++y) {
    for (int x = 0; x < image.width; ++x) {
      const std::uint8_t* px = image.at(x, y);
      const float a = px[3] / 255.0f;
      auto* dst = out.ptr<cv::Vec3b>(y) + x;
      for (int c = 0; c < 3; ++c) {
        const float fg = px[2 - c];  // RGBA -> BGR
        (*dst)[c] = static_cast<std::uint8_t>(std::lround(fg * a + background_bgr[c] * (1.0f - a)));
      }
    }
  }
  return out;
}

void run_demo(const DemoOptions& options) {
  LoadedEngine loaded = load_engine(options.engine);
  const std::filesystem::path dir(options.output_dir);
  std::filesystem::create_directories(dir);
  const std::filesystem::path video_file = dir / "demo.mp4";
  const std::filesystem::path sheet_file = dir / "contact_sheet.png";

  const int frames = std::max(2, static_cast<int>(std::lround(demo_duration_seconds() * options.fps)));
  const std::vector<double> key_times = demo_key_times();
  const int tiles = static_cast<int>(key_times.size());
  const int tile_size = 320;
  cv::Mat sheet((tiles + options.sheet_columns - 1) / options.sheet_columns * tile_size,
                options.sheet_columns * tile_size, CV_8UC3, cv::Scalar(255, 255, 255));
  const cv::Scalar background(235, 222, 205);  // soft blue-grey, BGR

  cv::VideoWriter video(video_file.string(), cv::VideoWriter::fourcc('m', 'p', '4', 'v'), options.fps,
                        cv::Size(512, 512));
  if (!video.isOpened())
    throw Error("cannot open " + video_file.string() + " for writing (OpenCV has no MP4 encoder?)");

  std::printf("demo: %d frames at %.0f fps with the %s engine -> %s\n", frames, options.fps,
              std::string(loaded.engine->name()).c_str(), dir.string().c_str());
  const auto start = std::chrono::steady_clock::now();
  int next_tile = 0;
  for (int i = 0; i < frames; ++i) {
    const double t = demo_duration_seconds() * i / (frames - 1);
    const DemoFrame frame = demo_frame_at(t);
    const Rgba8Image rgba =
        image_tensor_to_rgba8(loaded.engine->run(frame.pose).blended(), DisplayPath::kStraightAlpha);
    const cv::Mat bgr = composite_bgr(rgba, background);
    video.write(bgr);
    // The frame nearest each key moment of the script goes on the contact sheet.
    while (next_tile < tiles && i == nearest_frame(key_times[next_tile], frames)) {
      cv::Mat tile;
      cv::resize(bgr, tile, cv::Size(tile_size, tile_size), 0, 0, cv::INTER_AREA);
      char caption[64];
      std::snprintf(caption, sizeof caption, "%.2fs %s", t, frame.label.c_str());
      cv::putText(tile, caption, {6, tile_size - 10}, cv::FONT_HERSHEY_SIMPLEX, 0.45, cv::Scalar(40, 40, 40), 1,
                  cv::LINE_AA);
      tile.copyTo(sheet(cv::Rect((next_tile % options.sheet_columns) * tile_size,
                                 (next_tile / options.sheet_columns) * tile_size, tile_size, tile_size)));
      ++next_tile;
    }
    std::printf("\r  frame %d/%d", i + 1, frames);
    std::fflush(stdout);
  }
  video.release();
  if (!cv::imwrite(sheet_file.string(), sheet)) throw Error("cannot write " + sheet_file.string());
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("\n  wrote %s and %s in %.1f s (%.0f ms per frame)\n", video_file.string().c_str(),
              sheet_file.string().c_str(), seconds, 1000.0 * seconds / frames);
}

}  // namespace

void add_demo_command(CLI::App& app) {
  auto options = std::make_shared<DemoOptions>();
  CLI::App* command = app.add_subcommand(
      "demo",
      "Animate the character (blink, talk, head turn, body sway, breathing) into demo.mp4 and contact_sheet.png");
  options->engine.add_to(*command);
  command->add_option("-o,--output-dir", options->output_dir, "Folder for demo.mp4 and contact_sheet.png");
  command->add_option("--fps", options->fps, "Frames per second of the video")->check(CLI::Range(1.0, 60.0));
  command->callback([options] { run_demo(*options); });
}

}  // namespace tha4::cli
