#include "tracking/network/openseeface_tracker.h"

#include "tracking/network/openseeface_face.h"

#include <atomic>
#include <memory>

namespace tha4::tracking {
namespace {

class OpenSeeFaceProtocol final : public DatagramProtocol {
 public:
  DatagramVerdict handle(std::string_view datagram, double arrival_seconds, TrackedPosePublisher& publisher) override {
    const OpenSeeFaceParseResult parsed = parse_openseeface_packet(datagram, face_);
    if (!parsed.ok()) return DatagramVerdict{false, describe(parsed.error)};
    publisher.publish(converter_.convert(face_), arrival_seconds);
    faces_in_last_packet_.store(parsed.face_count, std::memory_order_relaxed);
    return DatagramVerdict{true, {}};
  }

  std::string status_note(const UdpReceiver& receiver, const TrackedPosePublisher& /*publisher*/) const override {
    const int faces = faces_in_last_packet_.load(std::memory_order_relaxed);
    if (receiver.receiving() && faces > 1) {
      return " (" + std::to_string(faces) + " faces: following the one tracked longest)";
    }
    return {};
  }

 private:
  OpenSeeFaceFace face_;  // receive thread only; a member so that no packet allocates
  OpenSeeFaceFaceConverter converter_;
  std::atomic<int> faces_in_last_packet_{0};
};

UdpPoseTracker::Endpoint endpoint(const OpenSeeFaceTrackerOptions& options) {
  return {options.bind_address, options.port, kMaxOpenSeeFacePacketBytes};
}

}  // namespace

OpenSeeFaceTracker::OpenSeeFaceTracker(const OpenSeeFaceTrackerOptions& options)
    : UdpPoseTracker("OpenSeeFace", endpoint(options), options.converter, std::make_unique<OpenSeeFaceProtocol>()) {}

}  // namespace tha4::tracking
