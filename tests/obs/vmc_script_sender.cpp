// vmc_script_sender: streams a scripted VMC performance to 127.0.0.1:<port> over UDP, for the real-obs
// recording test (tests/obs/record_with_obs.sh).
//
//   vmc_script_sender --port P [--seconds S] [--fps F] [--yaw DEG] [--head-hz HZ] [--mouth-hz HZ]
//
// Every frame (default 30 Hz) it sends one OSC bundle, built with the project's own encoder
// (tracking/network/osc_message.h):
//   /VMC/Ext/Bone/Pos  "Head" px py pz qx qy qz qw   a Unity quaternion yawing ±DEG (default 25°) at HEAD-HZ (0.45)
//   /VMC/Ext/Blend/Val "jawOpen" v                   the jaw opening and closing at MOUTH-HZ (1.3; 0..1)
//   /VMC/Ext/Blend/Apply
// Only osc_message.cpp is needed from libtha4_tracking_network.a (no LibTorch). Prints one line per
// second and a summary; exits 0 when every packet was sent.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "tracking/network/osc_message.h"

namespace {

void usage(const char* argv0) {
  std::fprintf(stderr,
               "usage: %s --port P [--seconds S=10] [--fps F=30] [--yaw DEG=25] [--head-hz HZ=0.45] "
               "[--mouth-hz HZ=1.3]\n",
               argv0);
}

}  // namespace

int main(int argc, char** argv) {
  int port = 0;
  double seconds = 10.0, fps = 30.0, yaw_amplitude_deg = 25.0, head_hz = 0.45, mouth_hz = 1.3;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      usage(argv[0]);
      return 0;
    }
    if (i + 1 >= argc) {
      usage(argv[0]);
      return 2;
    }
    const char* value = argv[++i];
    if (arg == "--port")
      port = std::atoi(value);
    else if (arg == "--seconds")
      seconds = std::atof(value);
    else if (arg == "--fps")
      fps = std::atof(value);
    else if (arg == "--yaw")
      yaw_amplitude_deg = std::atof(value);
    else if (arg == "--head-hz")
      head_hz = std::atof(value);
    else if (arg == "--mouth-hz")
      mouth_hz = std::atof(value);
    else {
      usage(argv[0]);
      return 2;
    }
  }
  if (port <= 0 || port > 65535 || !(seconds > 0) || !(fps > 0)) {
    usage(argv[0]);
    return 2;
  }

  const int sock = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (sock < 0) {
    std::perror("socket");
    return 1;
  }
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  to.sin_port = htons(static_cast<std::uint16_t>(port));

  using tha4::tracking::OscArgument;
  using tha4::tracking::encode_osc_bundle;
  using tha4::tracking::encode_osc_message;
  constexpr double kPi = 3.14159265358979323846;
  const auto start = std::chrono::steady_clock::now();
  const auto period = std::chrono::duration<double>(1.0 / fps);
  long sent = 0, failed = 0;
  int last_report = -1;
  for (long frame = 0;; ++frame) {
    const auto due = start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(period * frame);
    std::this_thread::sleep_until(due);
    const double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (t >= seconds) break;

    const double yaw_deg = yaw_amplitude_deg * std::sin(2.0 * kPi * head_hz * t);
    const double half = 0.5 * yaw_deg * kPi / 180.0;  // rotation about Unity's +Y (up) axis
    const float qy = static_cast<float>(std::sin(half)), qw = static_cast<float>(std::cos(half));
    const float jaw = static_cast<float>(0.5 - 0.5 * std::cos(2.0 * kPi * mouth_hz * t));

    const std::string packet = encode_osc_bundle({
        encode_osc_message("/VMC/Ext/Bone/Pos",
                           {OscArgument::string("Head"), OscArgument::float32(0.0f), OscArgument::float32(1.5f),
                            OscArgument::float32(0.0f), OscArgument::float32(0.0f), OscArgument::float32(qy),
                            OscArgument::float32(0.0f), OscArgument::float32(qw)}),
        encode_osc_message("/VMC/Ext/Blend/Val", {OscArgument::string("jawOpen"), OscArgument::float32(jaw)}),
        encode_osc_message("/VMC/Ext/Blend/Apply", {}),
    });
    const ssize_t n =
        ::sendto(sock, packet.data(), packet.size(), 0, reinterpret_cast<const sockaddr*>(&to), sizeof to);
    if (n == static_cast<ssize_t>(packet.size()))
      ++sent;
    else
      ++failed;  // ECONNREFUSED before OBS listens is expected on loopback
    if (static_cast<int>(t) != last_report) {
      last_report = static_cast<int>(t);
      std::printf("vmc_script_sender: t=%.1fs yaw=%+.1f deg jawOpen=%.2f sent=%ld\n", t, yaw_deg, jaw, sent);
      std::fflush(stdout);
    }
  }
  ::close(sock);
  std::printf("vmc_script_sender: done, %ld packets sent to 127.0.0.1:%d, %ld failed\n", sent, port, failed);
  return sent > 0 ? 0 : 1;
}
