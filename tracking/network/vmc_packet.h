#pragma once
// The receiving ("Marionette") side of the VMC protocol (protocol.vmc.info), reduced to the face:
//   /VMC/Ext/Blend/Val  (s name, f value)  ARKit "perfect sync" names in any letter case, or the VRM presets
//                                          of either generation (vrm_expressions.h);
//   /VMC/Ext/Blend/Apply                   makes the values received so far current. A frame that named any
//                                          ARKit shape is read as ARKit, else one that named a VRM preset
//                                          as presets;
//   /VMC/Ext/Bone/Pos   (s bone, f px, py, pz, qx, qy, qz, qw) for the bones "Neck" and "Head" (the head
//                                          is neck · head, so a sender of the neck alone turns it too).
// Everything else (/VMC/Ext/Root/Pos, other bones, /VMC/Ext/OK, /VMC/Ext/T, unknown names) is ignored.

#include "tracking/network/blendshapes.h"
#include "tracking/network/osc_message.h"
#include "tracking/network/vrm_expressions.h"

#include <cstdint>
#include <string_view>

namespace tha4::tracking {

constexpr std::uint16_t kVmcMarionettePort = 39539;

// A rotation as VMC sends it: Unity's quaternion (x, y, z, w) in Unity's left-handed, y-up frame.
struct UnityQuaternion {
  float x = 0.0f;
  float y = 0.0f;
  float z = 0.0f;
  float w = 1.0f;
};

// The Head bone's rotation relative to the chest in iFacialMocap's convention (see HeadRotation), so that
// both sources drive head_x/head_y/neck_z the same way. Unity's avatar frame (x right, y up, z forward)
// is the ARKit face frame with x mirrored; the angles are then taken in yaw-pitch-roll order.
HeadRotation head_rotation_from_unity(const UnityQuaternion& rotation);

enum class VmcPacketError {
  kNone,
  kBadOsc,         // the OSC layer rejected the packet (see VmcPacketResult::osc_error)
  kBadBlendValue,  // /VMC/Ext/Blend/Val without (string, finite float)
  kBadBonePose,    // a Head/Neck /VMC/Ext/Bone/Pos without (string, 7 finite floats), or a zero quaternion
};

struct VmcPacketResult {
  VmcPacketError error = VmcPacketError::kNone;
  OscError osc_error = OscError::kNone;
  bool frame_changed = false;  // the packet carried a Blend/Apply or a Head/Neck pose
  bool ok() const { return error == VmcPacketError::kNone; }
};

// What is wrong, in plain words.
std::string_view describe(const VmcPacketResult& result);

class VmcFaceState {
 public:
  // Applies one datagram (an OSC message or bundle). A malformed packet changes nothing.
  VmcPacketResult apply_packet(std::string_view packet);

  // The blendshapes as of the last Blend/Apply, with the head rotation from the latest Neck and Head.
  FaceFrame frame() const;

  // Blend/Val values since the last Blend/Apply (values persist: senders repeat only what changed, some).
  struct Received {
    BlendshapeWeights blendshapes;
    VrmExpressionWeights presets;
    bool arkit_named = false;    // since the last Blend/Apply
    bool presets_named = false;  // since the last Blend/Apply
  };

 private:
  void apply_message(const OscMessage& message, VmcPacketResult& result);

  Received received_;
  FaceFrame applied_;  // its head is unused: frame() computes it from the bones
  UnityQuaternion neck_;
  UnityQuaternion head_;
};

}  // namespace tha4::tracking
