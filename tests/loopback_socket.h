#pragma once
// Test helpers for the UDP trackers: a socket that only talks to 127.0.0.1, and a bounded wait.

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

namespace tha4::test {

// A UDP socket bound to 127.0.0.1 that sends only to 127.0.0.1 (tests never leave loopback).
class LoopbackSocket {
 public:
  LoopbackSocket() {
    fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_in address = loopback(0);
    REQUIRE(::bind(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0);
    socklen_t size = sizeof address;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &size);
    port_ = ntohs(address.sin_port);
  }
  ~LoopbackSocket() { ::close(fd_); }
  LoopbackSocket(const LoopbackSocket&) = delete;
  LoopbackSocket& operator=(const LoopbackSocket&) = delete;

  std::uint16_t port() const { return port_; }
  void send(std::uint16_t port, std::string_view bytes) const { REQUIRE(try_send(port, bytes)); }
  // For threads other than the test's own (Catch2's assertions are not thread-safe).
  bool try_send(std::uint16_t port, std::string_view bytes) const {
    const sockaddr_in address = loopback(port);
    const auto sent =
        ::sendto(fd_, bytes.data(), bytes.size(), 0, reinterpret_cast<const sockaddr*>(&address), sizeof address);
    return sent == static_cast<ssize_t>(bytes.size());
  }
  // One datagram, or nothing within the timeout.
  std::optional<std::string> receive(int timeout_ms) const {
    pollfd waiting{fd_, POLLIN, 0};
    if (::poll(&waiting, 1, timeout_ms) <= 0) return std::nullopt;
    std::string buffer(2048, '\0');
    const auto length = ::recv(fd_, buffer.data(), buffer.size(), 0);
    if (length < 0) return std::nullopt;
    buffer.resize(static_cast<std::size_t>(length));
    return buffer;
  }

 private:
  static sockaddr_in loopback(std::uint16_t port) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return address;
  }
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

// Polls until the condition holds or the deadline passes; every wait in these tests is bounded.
// Whether a UDP port can be bound on every interface now (no tracker, ours or another's, holds it).
inline bool udp_port_free(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_ANY);
  address.sin_port = htons(port);
  const bool bound = ::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return bound;
}

inline bool eventually(const std::function<bool()>& condition,
                       std::chrono::milliseconds deadline = std::chrono::seconds(2)) {
  const auto end = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < end) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return condition();
}

}  // namespace tha4::test
