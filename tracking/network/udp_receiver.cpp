#include "tracking/network/udp_receiver.h"

#include "tracking/network/network_error.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <exception>

namespace tha4::tracking {
namespace {

constexpr int kPollTimeoutMs = 100;
// A flood of datagrams must not keep the thread from noticing stop(): it re-checks after this many.
constexpr int kMaxDatagramsPerWake = 256;

sockaddr_in to_sockaddr(const Ipv4Endpoint& endpoint) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(endpoint.port);
  address.sin_addr.s_addr = endpoint.address_network_order;
  return address;
}

std::string system_error_text(int error_number) { return std::strerror(error_number); }

}  // namespace

Ipv4Endpoint Ipv4Endpoint::parse(const std::string& address, std::uint16_t port) {
  in_addr parsed{};
  if (inet_pton(AF_INET, address.c_str(), &parsed) != 1) {
    throw NetworkError("'" + address + "' is not an IPv4 address (expected four numbers such as 192.168.1.20)");
  }
  return Ipv4Endpoint{parsed.s_addr, port};
}

UdpReceiver::UdpReceiver(const Options& options, DatagramHandler on_datagram, TickHandler on_tick)
    : max_datagram_bytes_(options.max_datagram_bytes),
      on_datagram_(std::move(on_datagram)),
      on_tick_(std::move(on_tick)) {
  const sockaddr_in bind_address = to_sockaddr(Ipv4Endpoint::parse(options.bind_address, options.port));
  socket_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (socket_ < 0) throw NetworkError("cannot create a UDP socket: " + system_error_text(errno));
  if (::bind(socket_, reinterpret_cast<const sockaddr*>(&bind_address), sizeof bind_address) != 0) {
    const int error_number = errno;
    ::close(socket_);
    throw NetworkError("cannot listen on UDP port " + std::to_string(options.port) + ": " +
                       system_error_text(error_number) +
                       (error_number == EADDRINUSE ? " (another program or tracker is using it)" : ""));
  }
  sockaddr_in bound{};
  socklen_t bound_size = sizeof bound;
  ::getsockname(socket_, reinterpret_cast<sockaddr*>(&bound), &bound_size);
  port_ = ntohs(bound.sin_port);
  try {
    thread_ = std::thread([this] { receive_loop(); });
  } catch (...) {
    ::close(socket_);
    throw;
  }
}

UdpReceiver::~UdpReceiver() {
  stop();
  ::close(socket_);
}

void UdpReceiver::stop() {
  std::lock_guard<std::mutex> lock(stop_mutex_);
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

UdpReceiverCounters UdpReceiver::counters() const {
  return UdpReceiverCounters{packets_ok_.load(), packets_malformed_.load(), packets_dropped_.load()};
}

bool UdpReceiver::send_to(const Ipv4Endpoint& destination, std::string_view bytes) const {
  const sockaddr_in address = to_sockaddr(destination);
  const ssize_t sent =
      ::sendto(socket_, bytes.data(), bytes.size(), 0, reinterpret_cast<const sockaddr*>(&address), sizeof address);
  return sent == static_cast<ssize_t>(bytes.size());
}

bool UdpReceiver::receiving() const {
  const double last_accepted = last_accepted_seconds_.load();
  return last_accepted >= 0.0 && steady_seconds() - last_accepted < kNoPacketsAfterSeconds;
}

std::string UdpReceiver::status(std::string_view source) const {
  const UdpReceiverCounters counts = counters();
  const std::uint64_t unusable = counts.packets_malformed + counts.packets_dropped;
  std::string problem;
  {
    std::lock_guard<std::mutex> lock(problem_mutex_);
    problem = last_problem_;
  }
  const double last_accepted = last_accepted_seconds_.load();
  const std::string port_text = "UDP port " + std::to_string(port_);
  if (last_accepted < 0.0) {
    if (unusable == 0) return "waiting for " + std::string(source) + " on " + port_text;
    return "receiving only unusable packets on " + port_text + " (" + problem + ")";
  }
  const double silent = steady_seconds() - last_accepted;
  if (silent >= kNoPacketsAfterSeconds) {
    return "no " + std::string(source) + " packets for " + std::to_string(static_cast<long long>(silent)) + " s";
  }
  std::string text = "receiving " + std::string(source);
  if (unusable > 0) text += " (" + std::to_string(unusable) + " bad packets dropped; last: " + problem + ")";
  return text;
}

void UdpReceiver::receive_loop() {
  std::string buffer(max_datagram_bytes_ + 1, '\0');  // one spare byte tells an oversized datagram apart
  while (!stopping_) {
    if (on_tick_) on_tick_();
    pollfd waiting{socket_, POLLIN, 0};
    const int ready = ::poll(&waiting, 1, kPollTimeoutMs);
    if (ready <= 0) continue;
    if ((waiting.revents & POLLIN) != 0) receive_pending(buffer);
    if ((waiting.revents & POLLERR) != 0) {
      // Reading the pending error clears it; otherwise poll() would report it forever.
      int error_number = 0;
      socklen_t size = sizeof error_number;
      ::getsockopt(socket_, SOL_SOCKET, SO_ERROR, &error_number, &size);
    }
  }
}

void UdpReceiver::receive_pending(std::string& buffer) {
  for (int i = 0; i < kMaxDatagramsPerWake && !stopping_; ++i) {
    // MSG_TRUNC makes Linux report the datagram's real length even when it did not fit.
    const ssize_t length = ::recv(socket_, buffer.data(), buffer.size(), MSG_DONTWAIT | MSG_TRUNC);
    if (length < 0) {
      if (errno == EINTR) continue;
      return;  // EAGAIN: drained; anything else: poll() will report it again
    }
    const double arrival = steady_seconds();
    const auto size = static_cast<std::size_t>(length);
    DatagramVerdict verdict;
    if (size > max_datagram_bytes_) {
      ++packets_dropped_;
      verdict.problem = "packet over the size limit";
    } else {
      try {
        verdict = on_datagram_(std::string_view(buffer.data(), size), arrival);
      } catch (const std::exception&) {
        // A handler bug must not take the host application down with this thread.
        verdict = DatagramVerdict{false, "internal error while handling a packet"};
      }
      if (verdict.accepted) {
        ++packets_ok_;
        last_accepted_seconds_ = arrival;
        continue;
      }
      ++packets_malformed_;
    }
    std::lock_guard<std::mutex> lock(problem_mutex_);
    last_problem_.assign(verdict.problem);
  }
}

}  // namespace tha4::tracking
