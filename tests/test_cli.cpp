// The `tha4` command line, end to end (the built binary, as a user runs it).
#include "inference/image/image_io.h"
#include "tracking/network/osc_message.h"
#include "tests/golden_student.h"
#include "tests/openseeface_record.h"
#include "tests/test_support.h"

#include <catch2/catch.hpp>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/videoio.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <thread>
#include <cstdio>
#include <fstream>
#include <sstream>

using tha4::test::CliResult;
using tha4::test::run_cli;
using tha4::test::ScratchDir;

namespace {

std::string model(const char* name) { return (tha4::test::models_dir() / name).string(); }

int max_byte_diff(const tha4::Rgba8Image& a, const tha4::Rgba8Image& b) {
  int worst = 0;
  for (std::size_t i = 0; i < a.pixels.size(); ++i) worst = std::max(worst, std::abs(a.pixels[i] - b.pixels[i]));
  return worst;
}

}  // namespace

TEST_CASE("cli: render one pose and match the reference's PNG", "[cli]") {
  const auto goldens = tha4::test::load_student_goldens();
  REQUIRE_FALSE(goldens.empty());
  const auto& golden = goldens.front();
  ScratchDir dir("cli-render");
  const auto out = dir.path() / "pose1.png";
  const std::string pose = tha4::format_pose(golden.pose(1));
  const CliResult result = run_cli(
      {"render", "--character", model(golden.character.c_str()), "--pose", pose, "-o", out.string(), "--threads", "2"});
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  const auto rendered = tha4::read_rgba8_image(out);
  const auto expected = tha4::read_rgba8_image(golden.display_png(1));
  REQUIRE(rendered.width == expected.width);
  CHECK(max_byte_diff(rendered, expected) <= 1);
}

TEST_CASE("cli: --poses writes numbered PNGs and --output-index picks an output", "[cli]") {
  ScratchDir dir("cli-poses");
  const auto poses = dir.path() / "poses.txt";
  { std::ofstream(poses) << "# two poses\nhead_x=0.5\n\nmouth_aaa=1,eye_wink=1\n"; }
  const CliResult result = run_cli({"render", "--character", model("lambda_01"), "--poses", poses.string(), "-o",
                                    (dir.path() / "alpha.png").string(), "--output-index", "1"});
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  const auto first = tha4::read_rgba8_image(dir.path() / "alpha_0000.png");
  const auto second = tha4::read_rgba8_image(dir.path() / "alpha_0001.png");
  CHECK(first.width == 512);
  CHECK(first.pixels != second.pixels);
  CHECK(first.pixels[3] == 255);  // alpha output is shown opaque grey
  CHECK_FALSE(std::filesystem::exists(dir.path() / "alpha_0002.png"));
}

TEST_CASE("cli: bad input fails with a message and a non-zero exit", "[cli]") {
  ScratchDir dir("cli-errors");
  const auto out = (dir.path() / "x.png").string();
  CliResult r = run_cli({"render", "--character", model("lambda_00"), "--pose", "head_q=1", "-o", out});
  CHECK(r.exit_code != 0);
  CHECK_THAT(r.output, Catch::Contains("unknown pose parameter 'head_q'"));
  r = run_cli({"render", "--character", model("lambda_00"), "--pose", "head_x=nan", "-o", out});
  CHECK(r.exit_code != 0);
  CHECK_THAT(r.output, Catch::Contains("finite"));
  r = run_cli({"render", "--character", (dir.path() / "nothing").string(), "-o", out});
  CHECK(r.exit_code != 0);
  CHECK_THAT(r.output, Catch::Contains("talking-head-anime-4-demo"));
  r = run_cli({"render", "--output-index", "9"});
  CHECK(r.exit_code != 0);
  r = run_cli({"frobnicate"});
  CHECK(r.exit_code != 0);
  CHECK_FALSE(std::filesystem::exists(out));
}

TEST_CASE("cli: every subcommand has --help, and info checks a model", "[cli]") {
  for (const auto& args : std::vector<std::vector<std::string>>{{"--help"},
                                                                {"render", "--help"},
                                                                {"info", "--help"},
                                                                {"bench", "--help"},
                                                                {"bench", "student", "--help"},
                                                                {"demo", "--help"}}) {
    const CliResult r = run_cli(args);
    INFO(args.back() << ": " << r.output);
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.output, Catch::Contains("Usage"));
  }
  const CliResult info = run_cli({"info", "--character", model("lambda_00")});
  INFO(info.output);
  CHECK(info.exit_code == 0);
  CHECK_THAT(info.output, Catch::Contains("121476 parameters") && Catch::Contains("331567 parameters") &&
                              Catch::Contains("512x512 RGBA") && Catch::Contains("OK"));
  const CliResult list = run_cli({"render", "--list-parameters"});
  CHECK(list.exit_code == 0);
  CHECK_THAT(list.output, Catch::Contains("44    breathing"));
}

TEST_CASE("cli: --version is the project's, and --engine picks any engine the build has", "[cli][engine]") {
  const CliResult version = run_cli({"--version"});
  CHECK(version.exit_code == 0);
  // The version is project()'s in CMakeLists.txt, the one place it is written.
  CHECK_THAT(version.output, Catch::Matches("tha4 [0-9]+\\.[0-9]+\\.[0-9]+\\s*"));

  // auto with the plugin's defaults: the fast engine on a CPU-only machine, half the hardware threads.
  const CliResult automatic = run_cli({"bench", "student", "--engine", "auto", "--frames", "1", "--warmup", "0"});
  INFO(automatic.output);
  CHECK(automatic.exit_code == 0);
  const int half = std::max(1, static_cast<int>(std::thread::hardware_concurrency()) / 2);
  CHECK_THAT(automatic.output, Catch::Contains(std::to_string(half) + " thread(s)"));
  CHECK_THAT(automatic.output, Catch::Contains("engine    lambda_00 · student · "));
  if (automatic.output.find("CUDA") == std::string::npos) {
    CHECK_THAT(automatic.output, Catch::Contains("CPU fast engine"));
    // Asking for an engine this machine lacks is an error, not a silent fallback that times something else.
    const CliResult cuda = run_cli({"bench", "student", "--engine", "cuda", "--frames", "1", "--warmup", "0"});
    CHECK(cuda.exit_code != 0);
    CHECK_THAT(cuda.output, Catch::Contains("--engine cuda") && Catch::Contains("CUDA is not available"));
  }
  const CliResult wrong = run_cli({"bench", "student", "--engine", "gpu"});
  CHECK(wrong.exit_code != 0);
  CHECK_THAT(wrong.output, Catch::Contains("--engine"));
  const CliResult mismatch = run_cli({"bench", "student", "--engine", "fast", "--device", "cuda"});
  CHECK(mismatch.exit_code != 0);
}

TEST_CASE("cli: demo writes a playable MP4 and a contact sheet", "[cli]") {
  ScratchDir dir("cli-demo");
  const CliResult result = run_cli({"demo", "--fps", "2", "--threads", "2", "-o", dir.path().string()});
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  cv::VideoCapture video((dir.path() / "demo.mp4").string());
  REQUIRE(video.isOpened());
  int frames = 0;
  cv::Mat frame, first;
  double largest_change = 0.0;
  while (video.read(frame)) {
    CHECK(frame.cols == 512);
    if (frames == 0)
      first = frame.clone();
    else
      largest_change = std::max(largest_change, cv::norm(frame, first, cv::NORM_INF));
    ++frames;
  }
  CHECK(frames == 12);         // 6 s at 2 fps
  CHECK(largest_change > 50);  // the character moves
  const cv::Mat sheet = cv::imread((dir.path() / "contact_sheet.png").string());
  CHECK(sheet.cols == 6 * 320);
  CHECK(sheet.rows == 2 * 320);
}

TEST_CASE("cli: puppet tracks a video into an MP4 and a pose trace", "[cli][tracking]") {
  ScratchDir dir("cli-puppet");
  const auto video = std::filesystem::path(THA4_SOURCE_DIR) / ".." / "shared" / "tracking" / "debian" / "Megamind.avi";
  const auto out = dir.path() / "puppet.mp4";
  const auto trace = dir.path() / "trace.csv";
  const CliResult result = run_cli({"puppet", "--video", video.string(), "--max-frames", "24", "--threads", "2", "-o",
                                    out.string(), "--trace", trace.string()});
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  std::ifstream csv(trace);
  std::string header;
  std::getline(csv, header);
  CHECK(header.rfind("time,face_found,eyebrow_troubled_left,", 0) == 0);
  CHECK(header.size() > 400);
  int rows = 0, faces = 0;
  for (std::string line; std::getline(csv, line); ++rows) {
    std::stringstream fields(line);
    std::string field;
    std::vector<double> values;
    while (std::getline(fields, field, ',')) values.push_back(std::stod(field));
    REQUIRE(values.size() == 2 + 45);
    faces += values[1] == 1.0;
    for (std::size_t i = 0; i < 45; ++i) {
      const auto& p = tha4::pose_parameters()[i];
      CHECK(values[2 + i] >= p.min);
      CHECK(values[2 + i] <= p.max);
    }
  }
  CHECK(rows == 24);
  CHECK(faces >= 16);  // the first frames search for the face
  cv::VideoCapture mp4(out.string());
  REQUIRE(mp4.isOpened());
  cv::Mat frame;
  REQUIRE(mp4.read(frame));
  CHECK(frame.cols == 1024);
  CHECK(frame.rows == 512);
  const CliResult none = run_cli({"puppet", "-o", out.string()});
  CHECK(none.exit_code != 0);
  CHECK_THAT(none.output, Catch::Contains("choose exactly one input"));
}

TEST_CASE("cli: puppet follows a VMC sender or OpenSeeFace over loopback UDP", "[cli][tracking]") {
  const std::string input = GENERATE(as<std::string>{}, "vmc", "openseeface");
  INFO("--" << input);
  // A free port: bind to 0, read the number, release it for tha4.
  const int probe = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  REQUIRE(probe >= 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(probe, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0);
  socklen_t size = sizeof address;
  ::getsockname(probe, reinterpret_cast<sockaddr*>(&address), &size);
  const std::uint16_t port = ntohs(address.sin_port);
  ::close(probe);

  ScratchDir dir("cli-puppet-" + input);
  const auto trace = dir.path() / "trace.csv";
  CliResult result{};
  std::atomic<bool> finished{false};
  std::thread puppet([&] {
    result = run_cli({"puppet", "--" + input, std::to_string(port), "--seconds", "3", "--fps", "4", "--threads", "2",
                      "-o", (dir.path() / "network.mp4").string(), "--trace", trace.string()});
    finished = true;
  });
  // Stream a wide-open mouth until the puppet has finished (it runs about 3 s after loading the model).
  using tha4::tracking::OscArgument;
  std::vector<std::string> packets;
  if (input == "vmc") {
    for (const char* shape : {"jawOpen", "mouthLowerDownLeft", "mouthLowerDownRight"}) {
      packets.push_back(tha4::tracking::encode_osc_message("/VMC/Ext/Blend/Val",
                                                           {OscArgument::string(shape), OscArgument::float32(1.0f)}));
    }
    packets.push_back(tha4::tracking::encode_osc_message("/VMC/Ext/Blend/Apply", {}));
  } else {
    tha4::test::Record open_mouth;
    open_mouth.feature(tha4::tracking::OpenSeeFaceFeature::kMouthOpen, 1.0f);
    packets.push_back(open_mouth.bytes());
  }
  const int sender = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  REQUIRE(sender >= 0);
  address.sin_port = htons(port);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!finished && std::chrono::steady_clock::now() < deadline) {
    for (const std::string& bytes : packets) {
      ::sendto(sender, bytes.data(), bytes.size(), 0, reinterpret_cast<const sockaddr*>(&address), sizeof address);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  puppet.join();
  ::close(sender);
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  std::ifstream csv(trace);
  std::string line;
  std::getline(csv, line);
  const auto first_vowel = 2 + *tha4::find_pose_parameter("mouth_aaa");
  const auto last_vowel = 2 + *tha4::find_pose_parameter("mouth_ooo");
  int rows = 0, open_mouths = 0;
  while (std::getline(csv, line)) {
    std::stringstream fields(line);
    std::vector<std::string> values;
    for (std::string field; std::getline(fields, field, ',');) values.push_back(field);
    REQUIRE(values.size() == 47);
    ++rows;
    double vowels = 0.0;
    for (auto column = first_vowel; column <= last_vowel; ++column) vowels += std::stod(values[column]);
    open_mouths += values[1] == "1" && vowels > 0.5;
  }
  CHECK(rows >= 12);        // 3 s at 4 fps
  CHECK(open_mouths >= 4);  // once the sender is heard, the mouth follows jawOpen
}
