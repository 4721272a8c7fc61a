#pragma once
// The engine room of one avatar source: a render worker that loads the model (lazily: LibTorch starts
// here, never in obs_module_load), owns the tracker and the lip sync, composes the pose at the display time
// and renders it, and hands finished frames to OBS through a mailbox. Every public call returns at once:
// nothing here makes OBS's graphics, audio or UI threads wait for inference.
//
// Settings that need a model load or a new tracker take effect once they have settled (a dragged slider
// costs one reload); until then the source keeps rendering what it has. A model that failed is tried again
// on any settings, when the source is shown again, and when its files change on disk (polled each second);
// a model whose files change while it runs is reloaded beside it and replaced only if the new files load.
//
// This header is free of LibTorch and OBS types, so the OBS glue (plugin/obs/) can include it without the
// SIMDe/immintrin clash between OBS's and LibTorch's headers.

#include "plugin/runtime/avatar_settings.h"
#include "plugin/runtime/expression_presets.h"
#include "plugin/runtime/frame_governor.h"
#include "plugin/runtime/frame_mailbox.h"
#include "plugin/runtime/runtime_status.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace tha4::avatar {

enum class LogLevel { kError, kWarning, kInfo };
using LogFunction = std::function<void(LogLevel, const std::string&)>;

class AvatarRuntime {
 public:
  // `log` is called from the worker (the OBS glue forwards to blog). Starts the worker thread.
  AvatarRuntime(LogFunction log, std::vector<ExpressionPreset> presets);
  // Stops and joins the worker and the trackers. No frame is published after it returns.
  ~AvatarRuntime();
  AvatarRuntime(const AvatarRuntime&) = delete;
  AvatarRuntime& operator=(const AvatarRuntime&) = delete;

  // Any thread: records the settings and wakes the worker, which reloads what changed.
  void apply_settings(const AvatarSettings& settings);
  // Rendering and tracking run only while the source is shown somewhere (OBS's show/hide): a hidden source
  // lets go of its camera or UDP port and takes it back when shown.
  void set_showing(bool showing);
  // Any thread, never waits: the source is gone (removed from OBS, or being destroyed). Rendering stops and
  // the tracker, the model and their memory are let go at once, on the worker; the destructor only joins.
  void stop();
  // Graphics thread, every video_tick: OBS still ticks the source. Once ticks have stopped for a moment (a
  // source released but not yet destroyed) rendering stops, and soon after tracking. `obs` is OBS's own load,
  // which the frame governor watches.
  void tick(double now_s, const ObsLoad& obs = {});

  // Graphics thread: the newest finished frame, if there is one not taken yet (never waits).
  bool try_take_frame(AvatarFrame& frame);
  // Graphics thread: the frame taken last is now on the texture (measures pose-to-texture latency).
  void frame_shown(const AvatarFrame& frame, double shown_at_s);
  // Graphics thread: how GPU frames reach the texture, shown in the status (see RuntimeStatus::texture_path).
  void set_texture_path(const std::string& path);
  // Graphics thread: a BGRA frame of the OBS source chosen as tracking input. False when not wanted now.
  bool submit_video_frame(const std::uint8_t* bgra, int width, int height, int stride, double timestamp_s);
  // Audio thread: planar float audio of the source chosen for lip sync.
  void submit_audio(const float* const* planes, int channels, int frames, int sample_rate);

  // Any thread (buttons, hotkeys).
  void calibrate();
  void set_tracking_paused(bool paused);
  bool tracking_paused() const;
  void set_expression_active(const std::string& id, bool active);
  bool expression_active(const std::string& id) const;
  const std::vector<ExpressionPreset>& presets() const { return presets_; }

  RuntimeStatus status() const;
  // Cheap (an atomic): lets the graphics thread notice a status change without copying strings.
  std::uint64_t status_generation() const;

 private:
  class Worker;
  std::vector<ExpressionPreset> presets_;
  std::unique_ptr<Worker> worker_;
};

}  // namespace tha4::avatar
