#pragma once
// A UDP socket bound to a port with its own receive thread. Every datagram goes to a handler that says
// whether it was usable; the receiver counts the outcomes and turns them into a status line. The
// thread waits in poll() with a short timeout, so stop() and the destructor return promptly.

#include "tracking/common/steady_seconds.h"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace tha4::tracking {

// An IPv4 address and port (network byte order inside, so it can go straight into a sockaddr).
struct Ipv4Endpoint {
  std::uint32_t address_network_order = 0;
  std::uint16_t port = 0;

  // Throws NetworkError if `address` is not a dotted-quad IPv4 address. No DNS lookups: a phone is
  // addressed by the IP the app shows.
  static Ipv4Endpoint parse(const std::string& address, std::uint16_t port);
};

struct UdpReceiverCounters {
  std::uint64_t packets_ok = 0;         // accepted by the handler
  std::uint64_t packets_malformed = 0;  // rejected by the handler
  std::uint64_t packets_dropped = 0;    // over the size limit: discarded unread
};

// What a handler says about one datagram; `problem` (static text) says why it was rejected.
struct DatagramVerdict {
  bool accepted = false;
  std::string_view problem;
};

// Since when no usable packet counts as "no packets" in the status line.
constexpr double kNoPacketsAfterSeconds = 2.0;

class UdpReceiver {
 public:
  struct Options {
    std::string bind_address = "0.0.0.0";  // every interface: phones reach the PC over the LAN
    std::uint16_t port = 0;                // 0 picks a free port
    std::size_t max_datagram_bytes = 8192;
  };
  // Called on the receive thread for each datagram, with its arrival time (steady_seconds()).
  using DatagramHandler = std::function<DatagramVerdict(std::string_view datagram, double arrival_seconds)>;
  // Called on the receive thread at least every 100 ms (for periodic work such as re-sending a request).
  using TickHandler = std::function<void()>;

  // Binds and starts the receive thread. Throws NetworkError if the address or port cannot be used.
  UdpReceiver(const Options& options, DatagramHandler on_datagram, TickHandler on_tick = {});
  ~UdpReceiver();
  UdpReceiver(const UdpReceiver&) = delete;
  UdpReceiver& operator=(const UdpReceiver&) = delete;

  // Ends the receive thread (idempotent, callable from any thread). Handlers are not called after it
  // returns.
  void stop();

  std::uint16_t port() const { return port_; }
  UdpReceiverCounters counters() const;
  // Sends one datagram from the bound socket; false if the system refused (no route, ...).
  bool send_to(const Ipv4Endpoint& destination, std::string_view bytes) const;

  // Whether a usable packet arrived within the last kNoPacketsAfterSeconds.
  bool receiving() const;
  // "waiting for <source> on UDP port 49983", "receiving <source>", "no <source> packets for 3 s", ...
  std::string status(std::string_view source) const;

 private:
  void receive_loop();
  void receive_pending(std::string& buffer);

  int socket_ = -1;
  std::uint16_t port_ = 0;
  std::size_t max_datagram_bytes_;
  DatagramHandler on_datagram_;
  TickHandler on_tick_;
  std::atomic<std::uint64_t> packets_ok_{0};
  std::atomic<std::uint64_t> packets_malformed_{0};
  std::atomic<std::uint64_t> packets_dropped_{0};
  std::atomic<double> last_accepted_seconds_{-1.0};
  mutable std::mutex problem_mutex_;
  std::string last_problem_;
  std::atomic<bool> stopping_{false};
  std::mutex stop_mutex_;
  std::thread thread_;  // last: started once everything above exists
};

}  // namespace tha4::tracking
