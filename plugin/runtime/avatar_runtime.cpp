#include "plugin/runtime/avatar_runtime.h"

#include "plugin/runtime/avatar_poser.h"
#include "plugin/runtime/cross_fade.h"
#include "plugin/runtime/distillation_job.h"
#include "plugin/runtime/model_files.h"
#include "plugin/runtime/pose_composer.h"
#include "plugin/runtime/render_statistics.h"
#include "plugin/runtime/tracking_input.h"
#include "tracking/audio/lip_sync.h"
#include "tracking/common/steady_seconds.h"

#include "inference/util/errors.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <exception>
#include <filesystem>
#include <limits>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <thread>
#include <utility>

namespace tha4::avatar {

const char* runtime_state_name(RuntimeState state) {
  switch (state) {
    case RuntimeState::kNoModel: return "no model";
    case RuntimeState::kLoading: return "loading";
    case RuntimeState::kRunning: return "running";
    case RuntimeState::kError: return "error";
  }
  return "?";
}

namespace {

using tracking::steady_seconds;

// Heavy changes (a model to load, a tracker to rebuild) wait until the settings have been still this long, so
// a slider dragged across the properties costs one reload at the end, not one per frame.
constexpr double kSettleSeconds = 0.3;
// How often the model files on disk are compared with what was loaded, and a failed tracker retried.
constexpr double kModelFilesPollSeconds = 1.0;
constexpr double kTrackingRetrySeconds = 1.0;
// OBS ticks every source every frame. A source it has stopped ticking (released, or removed from OBS's
// lists on its way to destroy) stops rendering after kRenderTickTimeout and lets go of its camera or port
// after kTrackingTickTimeout (longer, so that a busy moment of OBS's graphics thread costs no reconnect).
constexpr double kRenderTickTimeout = 0.25;
constexpr double kTrackingTickTimeout = 0.75;

// One model loads at a time in the whole process: sixty sources created at once must not hold sixty models
// (and their peak memory) at once. A turn is waited for in short steps, so that a source removed meanwhile
// can give up its place. (A plain mutex and a flag: ThreadSanitizer cannot follow timed mutex waits.)
class ModelLoadingTurns {
 public:
  class Turn {
   public:
    Turn() = default;
    explicit Turn(ModelLoadingTurns* turns) : turns_(turns) {}
    Turn(Turn&& other) noexcept : turns_(std::exchange(other.turns_, nullptr)) {}
    Turn& operator=(Turn&&) = delete;
    ~Turn() {
      if (turns_ != nullptr) turns_->release();
    }
    explicit operator bool() const { return turns_ != nullptr; }

   private:
    ModelLoadingTurns* turns_ = nullptr;
  };

  // Waits for the turn while `gone()` is false; an empty Turn when the caller gave up.
  template <class Gone>
  Turn wait(Gone gone) {
    std::unique_lock<std::mutex> lock(mutex_);
    while (busy_) {
      released_.wait_for(lock, std::chrono::milliseconds(50));
      if (busy_ && gone()) return Turn();
    }
    if (gone()) return Turn();
    busy_ = true;
    return Turn(this);
  }

 private:
  void release() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      busy_ = false;
    }
    released_.notify_one();
  }
  std::mutex mutex_;
  std::condition_variable released_;
  bool busy_ = false;
};

ModelLoadingTurns& model_loading() {
  static ModelLoadingTurns turns;
  return turns;
}

tracking::LipSyncSettings lip_sync_settings(const AvatarSettings& settings) {
  tracking::LipSyncSettings lip;
  lip.gain_db = static_cast<float>(settings.lip_sync_gain_db);
  return lip;
}

}  // namespace

class AvatarRuntime::Worker {
 public:
  Worker(LogFunction log, const std::vector<ExpressionPreset>& presets) : log_(std::move(log)) {
    composer_.expressions().set_presets(presets);
    thread_ = std::thread([this] { run(); });
  }

  ~Worker() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }

  // ---- called from other threads: short critical sections only ----
  void apply_settings(const AvatarSettings& settings) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      pending_settings_ = settings;
    }
    wake_.notify_all();
  }
  void set_showing(bool showing) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      showing_ = showing;
    }
    wake_.notify_all();
  }
  void stop() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      removed_ = true;
    }
    wake_.notify_all();
  }
  void tick(double now_s, const ObsLoad& obs) {
    obs_frame_ms_.store(obs.frame_ms);
    obs_interval_ms_.store(obs.interval_ms);
    obs_lagged_frames_.store(obs.lagged_frames);
    last_tick_s_.store(now_s);
    if (waiting_for_ticks_.load()) wake_.notify_all();
  }
  void calibrate() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      calibrate_requested_ = true;
    }
    wake_.notify_all();
  }
  void set_tracking_paused(bool paused) {
    tracking_paused_.store(paused);
    bump_status([&](RuntimeStatus& s) { s.tracking_paused = paused; });
    poke();
  }
  bool tracking_paused() const { return tracking_paused_.load(); }
  void set_expression_active(const std::string& id, bool active) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (active) {
        active_expressions_.insert(id);
      } else {
        active_expressions_.erase(id);
      }
      poked_ = true;
    }
    wake_.notify_all();
  }
  bool expression_active(const std::string& id) const {
    std::lock_guard<std::mutex> lock(mutex_);
    return active_expressions_.count(id) != 0;
  }
  bool try_take_frame(AvatarFrame& frame) { return mailbox_.try_take(frame); }
  void frame_shown(const AvatarFrame& frame, double shown_at_s) {
    if (frame.pose_time_s > 0.0) statistics_.add_latency(shown_at_s - frame.pose_time_s);
  }
  bool submit_video_frame(const std::uint8_t* bgra, int width, int height, int stride, double timestamp_s) {
    if (tracking_paused_.load()) return false;
    return tracking_.submit_video_frame(bgra, width, height, stride, timestamp_s);
  }
  void submit_audio(const float* const* planes, int channels, int frames, int sample_rate) {
    if (lip_sync_enabled_.load()) lip_sync_.submit_audio(planes, channels, frames, sample_rate);
  }
  RuntimeStatus status() const {
    std::lock_guard<std::mutex> lock(status_mutex_);
    RuntimeStatus copy = status_;
    const RenderStatistics::Summary summary = statistics_.summary(steady_seconds());
    copy.engine_fps = summary.fps;
    copy.frame_ms = summary.frame_ms;
    copy.latency_ms = summary.latency_ms;
    copy.frames_rendered = summary.frames;
    copy.poses_composed = poses_composed_.load();
    copy.obs_frame_ms = obs_frame_ms_.load();
    return copy;
  }
  std::uint64_t status_generation() const { return status_generation_.load(); }
  void set_texture_path(const std::string& path) {
    bump_status([&](RuntimeStatus& status) { status.texture_path = path; });
  }

 private:
  // A command that changes the pose without new settings (a hotkey, pausing the tracker): compose now.
  void poke() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      poked_ = true;
    }
    wake_.notify_all();
  }

  // ---- the worker thread ----
  // While the composed pose has not moved for kStillAfterSeconds (no tracker motion, no breathing), the
  // worker composes only every kStillPollSeconds instead of at the display rate: settings and commands
  // still wake it at once, and a tracker that starts moving again is noticed within kStillPollSeconds.
  static constexpr double kStillAfterSeconds = 0.5;
  static constexpr double kStillPollSeconds = 0.1;

  void run() {
    double next_frame_s = steady_seconds();
    for (;;) {
      std::optional<AvatarSettings> settings;
      bool calibrate = false;
      bool showing = false;
      bool removed = false;
      std::set<std::string> expressions;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        // Sleep until the next frame is due (or forever while hidden or without a model), waking for
        // settings, commands and shutdown.
        const auto due = [&] { return stopping_ || pending_settings_ || calibrate_requested_ || poked_; };
        if (active_ && showing_ && !removed_ && has_something_to_render()) {
          const double now = steady_seconds();
          const bool still = poser_ && now - last_motion_s_ > kStillAfterSeconds;
          double wake_s = still ? std::max(next_frame_s, now + kStillPollSeconds) : next_frame_s;
          if (heavy_work_due_s_ > now) wake_s = std::min(wake_s, heavy_work_due_s_);
          if (wake_s > now) wake_.wait_for(lock, std::chrono::duration<double>(wake_s - now), due);
        } else {
          // Idle: poll the tracker status, the model files and OBS's ticks now and then.
          waiting_for_ticks_.store(showing_ && !active_ && !removed_);
          wake_.wait_for(lock, std::chrono::milliseconds(showing_ && !active_ ? 100 : 250), due);
          waiting_for_ticks_.store(false);
        }
        if (stopping_) break;
        settings.swap(pending_settings_);
        calibrate = std::exchange(calibrate_requested_, false);
        const bool poked = std::exchange(poked_, false);
        if (poked) last_motion_s_ = steady_seconds();
        showing = showing_;
        removed = removed_;
        expressions = active_expressions_;
      }
      if (removed) {
        let_go();
        continue;
      }
      const double now = steady_seconds();
      if (settings) receive_settings(*settings, now);
      if (!follow_obs(showing, now)) {
        update_tracking_status();  // a tracker let go says nothing any more
        next_frame_s = now;
        continue;
      }
      if (calibrate) {
        tracking_.recalibrate();
        composer_.calibrate();
        log(LogLevel::kInfo, "neutral face calibrated");
      }
      for (const auto& preset : composer_.expressions().presets()) {
        composer_.expressions().set_active(preset.id,
                                           expressions.count(preset.id) != 0 || preset.id == settings_.expression);
      }
      do_heavy_work(now);
      update_tracking_status();
      if (!has_something_to_render()) {
        next_frame_s = now;
        continue;
      }
      const double frame_now = steady_seconds();
      if (frame_now + 0.0005 < next_frame_s && frame_now - last_motion_s_ <= kStillAfterSeconds) continue;  // early
      const double render_s = render_frame(frame_now);
      follow_governor(steady_seconds(), render_s);
      const double period_s = 1.0 / governor_.target_fps();
      next_frame_s = std::max(next_frame_s + period_s, steady_seconds() - period_s);
    }
    tracking_.reset();
  }

  // Whether the source is wanted now: shown somewhere and still ticked by OBS. A source that is not lets go
  // of its tracker (a camera, a UDP port) and renders nothing; when it is wanted again, it takes them back
  // and, if its model failed, tries it again. Returns whether to render.
  bool follow_obs(bool showing, double now) {
    const double last_tick = last_tick_s_.load();
    const double since_tick = last_tick < 0.0 ? 0.0 : now - last_tick;  // never ticked yet: not watched
    const bool wanted = showing && since_tick < kRenderTickTimeout;
    const bool keep_tracking = showing && since_tick < kTrackingTickTimeout;
    if (!keep_tracking) {
      if (!tracking_released_) {
        if (!tracking_.empty()) log(LogLevel::kInfo, "tracking stopped while the source is not shown");
        tracking_.reset();
        composer_.clear_tracking();
        tracking_released_ = true;
      }
    } else if (tracking_released_ && has_settings_ && tracking_due_s_ == kNever) {
      schedule_tracking(now);
    }
    if (wanted && !active_) {
      if (state_ == RuntimeState::kError) schedule_model(now);  // shown again: try the model again
      force_render_ = true;
    }
    std::lock_guard<std::mutex> lock(mutex_);
    active_ = wanted;
    return wanted;
  }

  // The source was removed from OBS: everything goes, for good, at once.
  void let_go() {
    distillation_.reset();  // stops the process; the run resumes when the source is made again
    tracking_.reset();
    tracking_released_ = true;
    poser_.reset();
    pending_still_.reset();
    std::unique_lock<std::mutex> lock(mutex_);
    active_ = false;
    wake_.wait(lock, [&] { return stopping_; });  // nothing left to do until the destructor
  }

  bool has_something_to_render() const { return poser_ != nullptr || pending_still_.has_value(); }

  // New settings: what is cheap (the pose, smoothing, lip sync) takes effect now; a model to load or a
  // tracker to rebuild is scheduled for when the settings have settled. The very first settings load at
  // once. A model in error is retried on any settings, even the same ones (the user pressed OK after fixing
  // a file).
  void receive_settings(const AvatarSettings& settings, double now) {
    const bool first = !has_settings_;
    // A run started or stopped changes what is shown (the full system or the still picture, and why).
    const AvatarSettings shown_before = model_settings();
    const bool standing_in_before = stand_in_wanted();
    bool model_moved = first || model_settings_differ(settings_, settings);
    const bool tracking_moved = first || tracking_settings_differ(settings_, settings);
    try {
      composer_.set_settings(settings);
      clear_error_if("pose");
    } catch (const std::exception& e) {
      set_error("pose", std::string("base pose: ") + e.what());
    }
    settings_ = settings;
    has_settings_ = true;
    model_moved =
        model_moved || model_settings_differ(shown_before, model_settings()) || standing_in_before != stand_in_wanted();
    lip_sync_.set_settings(lip_sync_settings(settings));
    governor_.configure(governor_settings());
    show_governor();
    // A distillation that failed is tried again on any settings (pressing the button again after fixing the
    // teacher's files), as a model that failed is.
    failed_distillation_.clear();
    next_distillation_poll_s_ = 0.0;
    lip_sync_enabled_.store(settings.lip_sync != LipSyncMode::kOff);
    if (first) {
      const DistillationFolder folder = look_at_distillation(settings.distill_prefix);
      distillation_has_model_ = folder.finished || folder.has_snapshot;
      load_model();  // the tracker starts when the source is first shown (follow_obs)
    } else {
      if (model_moved && poser_) set_state(RuntimeState::kLoading, "", "");  // still rendering the old one
      if (model_moved || state_ == RuntimeState::kError) schedule_model(now + kSettleSeconds);
      if ((tracking_moved && !tracking_released_) || tracking_failed_) schedule_tracking(now + kSettleSeconds);
    }
    force_render_ = true;
    last_motion_s_ = steady_seconds();
  }

  void schedule_model(double due_s) {
    model_due_s_ = due_s;
    heavy_work_due_s_ = std::min(model_due_s_, tracking_due_s_);
  }
  void schedule_tracking(double due_s) {
    tracking_due_s_ = due_s;
    heavy_work_due_s_ = std::min(model_due_s_, tracking_due_s_);
  }

  // Reloads and rebuilds what is due: settled settings, a model whose files changed on disk, a tracker that
  // failed (a port another source held) or that was let go while hidden.
  void do_heavy_work(double now) {
    if (now >= model_due_s_) {
      model_due_s_ = kNever;
      if (loaded_settings_ && !model_settings_differ(*loaded_settings_, model_settings()) && poser_ &&
          state_ != RuntimeState::kError) {
        // The settings came back to the loaded model's: nothing to load.
        set_state(RuntimeState::kRunning, poser_->description(), "", loaded_warning_);
      } else {
        load_model();
      }
    }
    if (now >= tracking_due_s_) {
      tracking_due_s_ = kNever;
      rebuild_tracking();
    } else if (tracking_failed_ && now >= next_tracking_retry_s_ && tracking_due_s_ == kNever) {
      rebuild_tracking();
    }
    if (poser_ && poser_->outdated()) load_model();  // a distillation preview has a newer snapshot
    follow_distillation(now);
    watch_model_files(now);
    heavy_work_due_s_ = std::min(model_due_s_, tracking_due_s_);
  }

  // Compares the model's files on disk with those loaded, once a second; a change that has stayed put for
  // a poll is loaded (a copy in progress is not).
  void watch_model_files(double now) {
    if (now < next_model_files_poll_s_ || !has_settings_ || settings_.model_folder.empty()) return;
    next_model_files_poll_s_ = now + kModelFilesPollSeconds;
    std::string signature = model_files_signature(model_settings());
    const bool changed = signature != loaded_signature_;
    const bool settled = signature == last_seen_signature_;
    last_seen_signature_ = std::move(signature);
    if (!changed || !settled || model_due_s_ != kNever) return;
    if (poser_) {
      reload_in_place("the model files changed on disk");
    } else {
      load_model();
    }
  }

  void load_model() {
    remember_device_frame();
    poser_.reset();
    pending_still_.reset();
    loaded_settings_.reset();
    const AvatarSettings wanted = model_settings();
    last_seen_signature_ = loaded_signature_ = model_files_signature(wanted);
    if (wanted.model_folder.empty()) {
      show_still_picture();
      return;
    }
    set_state(RuntimeState::kLoading, "", "");
    ModelLoadingTurns::Turn loading = wait_for_model_loading();
    if (!loading) {  // removed or stopping while waiting for its turn
      model_due_s_ = steady_seconds();
      return;
    }
    const bool stand_in = full_system_stands_in();
    log(LogLevel::kInfo, "loading the character model '" + wanted.model_folder + "'" +
                             (stand_in ? " to stand in while the real-time model is made" : ""));
    try {
      const double start = steady_seconds();
      LoadedPoser loaded = load_avatar_poser(wanted);
      if (stand_in && stand_in_verdict_key_ != stand_in_key() && !full_system_fast_enough(*loaded.poser)) {
        show_still_picture();
        return;
      }
      poser_ = std::move(loaded.poser);
      loaded_settings_ = wanted;
      loaded_warning_ = loaded.warning;
      fused_cuda_ = loaded.fused_cuda;
      governor_.configure(governor_settings());
      governor_.new_model();
      set_state(RuntimeState::kRunning, shown_description(), "", loaded.warning);
      fade_.begin();
      if (!loaded.warning.empty()) log(LogLevel::kWarning, loaded.warning);
      log(LogLevel::kInfo, "loaded " + poser_->description() + " in " +
                               std::to_string(static_cast<int>((steady_seconds() - start) * 1000.0)) + " ms");
    } catch (const std::exception& e) {
      if (stand_in) {  // the teacher's files are the run's business (it fails with the reason): hold still
        remember_stand_in_verdict(false, std::string("the full system does not load here (") + e.what() + ")");
        show_still_picture();
        return;
      }
      set_state(RuntimeState::kError, "", e.what());
      log(LogLevel::kError, std::string("cannot load the character model: ") + e.what());
      auto still = load_still_frame(settings_);
      pending_still_ = still ? std::move(*still) : placeholder_frame();
    }
    force_render_ = true;
  }

  // The files of the running model changed on disk (or the governor changed its precision): load them
  // beside it and switch only if they load, so a file damaged or half copied under a running source never
  // takes the character off the stream.
  void reload_in_place(const std::string& why) {
    ModelLoadingTurns::Turn loading = wait_for_model_loading();
    if (!loading) return;
    loaded_signature_ = last_seen_signature_;
    try {
      LoadedPoser loaded = load_avatar_poser(model_settings());
      remember_device_frame();
      poser_ = std::move(loaded.poser);
      loaded_settings_ = model_settings();
      loaded_warning_ = loaded.warning;
      fused_cuda_ = loaded.fused_cuda;
      governor_.configure(governor_settings());
      governor_.new_model();
      set_state(RuntimeState::kRunning, shown_description(), "", loaded.warning);
      fade_.begin();
      log(LogLevel::kInfo, why + ": loaded the model again");
    } catch (const std::exception& e) {
      const std::string note =
          why + " and the model does not load (" + e.what() + "); still running the model loaded before";
      bump_status([&](RuntimeStatus& status) { status.warning = note; });
      log(LogLevel::kWarning, note);
    }
    force_render_ = true;
  }

  // The process-wide loading turn, waited for in short steps so that a source removed meanwhile gives up
  // its turn. Empty when it gave up.
  ModelLoadingTurns::Turn wait_for_model_loading() {
    return model_loading().wait([&] {
      std::lock_guard<std::mutex> lock(mutex_);
      return stopping_ || removed_;
    });
  }

  void rebuild_tracking() {
    composer_.clear_tracking();
    tracking_released_ = false;
    try {
      tracking_.rebuild(settings_);
      composer_.set_input_is_camera(tracking_.is_camera());
      clear_error_if("tracking");
      if (!tracking_.empty()) {
        log(LogLevel::kInfo, std::string(tracking_failed_ ? "tracking started after all, from " : "tracking from ") +
                                 tracking_.description());
      }
      tracking_failed_ = false;
      last_tracking_error_.clear();
    } catch (const std::exception& e) {
      const std::string error = std::string("tracking: ") + e.what();
      set_error("tracking", error);
      // Retried every second (the port may be freed by another source); logged when the reason changes.
      if (error != last_tracking_error_) log(LogLevel::kError, std::string("cannot start tracking: ") + e.what());
      last_tracking_error_ = error;
      tracking_failed_ = true;
      next_tracking_retry_s_ = steady_seconds() + kTrackingRetrySeconds;
    }
  }

  void update_tracking_status() {
    std::string text = tracking_.empty() ? std::string() : tracking_.status();
    std::lock_guard<std::mutex> lock(status_mutex_);
    if (status_.tracking != text) {
      status_.tracking = std::move(text);
      status_generation_.fetch_add(1);
    }
  }

  // Renders the pose of `now`; returns the seconds the engine took (0 when nothing was rendered).
  double render_frame(double now) {
    if (!poser_) {  // an error or no model: show the still character or the placeholder once
      if (pending_still_) {
        pending_still_->sequence = ++sequence_;
        pending_still_->pose_time_s = 0.0;
        fade_.remember(*pending_still_);
        AvatarFrame still = *pending_still_;
        mailbox_.publish(still);
        pending_still_.reset();
      }
      return 0.0;
    }
    if (!tracking_paused_.load()) {
      if (auto tracked = tracking_.latest()) composer_.add_tracked(*tracked);
    }
    Pose pose = composer_.motion_at(now);
    if (settings_.lip_sync != LipSyncMode::kOff) {
      const tracking::MouthShape mouth = lip_sync_.update(now);
      const bool face = composer_.face_tracked() && !tracking_paused_.load();
      float weight = 1.0F;
      if (face) weight = settings_.lip_sync == LipSyncMode::kAlways ? 0.5F : 0.0F;
      tracking::apply_mouth_shape(pose, mouth, weight);
    }
    composer_.apply_overrides(pose, now);
    poses_composed_.fetch_add(1);
    // Nothing moved (and no cross-fade under way): OBS keeps the frame it has.
    if (!force_render_ && last_pose_ && *last_pose_ == pose && !fade_.needs_frame(now)) return 0.0;
    force_render_ = false;
    last_motion_s_ = now;
    try {
      const double start = steady_seconds();
      frame_.device_frames.reset();  // a recycled buffer may name the ring of an engine used before
      poser_->set_host_frames(fade_.fading());
      poser_->render(pose, frame_);
      wait_out_debug_render_time(start);
      const double end = steady_seconds();
      fade_.apply(frame_, start, end);
      fade_.remember(frame_);
      frame_.sequence = ++sequence_;
      frame_.pose_time_s = now;
      frame_.render_end_s = end;
      mailbox_.publish(frame_);
      statistics_.add_frame(end, end - start);
      last_pose_ = pose;
      clear_error_if("render");
      return end - start;
    } catch (const std::exception& e) {
      set_error("render", std::string("rendering failed: ") + e.what());
      log(LogLevel::kError, std::string("rendering failed: ") + e.what());
      last_pose_ = pose;  // do not retry the same pose every frame
    }
    return 0.0;
  }

  // The running model's last frame lives only in device memory (the fused CUDA engine): a copy in host bytes,
  // for the cross-fade to start from when the model is replaced.
  void remember_device_frame() {
    if (!poser_ || fade_.remembers()) return;
    AvatarFrame last;
    if (poser_->last_frame_to_host(last)) fade_.remember(last);
  }

  // Tests and benchmarks: every render takes at least debug_min_render_ms (a slow machine).
  void wait_out_debug_render_time(double start) const {
    if (settings_.debug_min_render_ms <= 0) return;
    const double until = start + settings_.debug_min_render_ms / 1000.0;
    while (steady_seconds() < until) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }

  // ---- nothing to run: the still picture ----
  // The character's own picture (the one chosen, else the one a run is making a model of) when there is no
  // model to run, else a placeholder; the status says why and what to do.
  void show_still_picture() {
    const std::string picture =
        !settings_.character_image.empty() ? settings_.character_image : settings_.distill_picture;
    std::optional<AvatarFrame> still;
    if (!picture.empty()) {
      AvatarSettings only_the_picture;
      only_the_picture.character_image = picture;
      still = load_still_frame(only_the_picture);
    }
    if (!still) {
      set_state(RuntimeState::kNoModel, "", "no character model chosen: pick a character model folder");
      pending_still_ = placeholder_frame();
      return;
    }
    pending_still_ = std::move(*still);
    const std::string shown = "the still picture " + std::filesystem::path(picture).filename().string();
    if (stand_in_wanted()) {
      std::string why = "the still picture is shown until the real-time model being made has learnt the face";
      if (!stand_in_note_.empty()) why = stand_in_note_ + "; " + why;
      set_state(RuntimeState::kNoModel, shown, "", why);
    } else if (!settings_.model_folder.empty()) {
      set_state(RuntimeState::kNoModel, shown,
                "the model folder's student is of another picture: make a real-time model of this picture (below), "
                "or clear the character image to run that student");
    } else {
      set_state(RuntimeState::kNoModel, shown,
                "no character model chosen: pick a character model folder, or make a real-time model of this "
                "picture (below)");
    }
  }

  // ---- standing in while a real-time model is made ----
  // Until a run has learnt the face, a source without a model of its own shows the picture being made into one:
  // animated by the full system (the teacher the run learns from) where this machine renders it at the
  // governor's floor rate or faster, else still. The verdict is measured once per teacher, picture and engine.
  bool stand_in_wanted() const {
    return picture_only() && settings_.distill_active && !settings_.distill_prefix.empty() &&
           !settings_.distill_picture.empty() && !distillation_has_model_;
  }
  // No model depicts the source's character: no model folder, or a student of another picture than the chosen
  // character image (a new source's default student, say). The picture is what the user asked to see.
  bool picture_only() const {
    return settings_.model_folder.empty() ||
           student_of_another_picture(settings_.model_folder, settings_.character_image);
  }
  std::string stand_in_key() const {
    return settings_.distill_teacher + "\n" + settings_.distill_picture + "\n" +
           std::to_string(static_cast<int>(settings_.engine)) + "\n" + std::to_string(settings_.cuda_device) + "\n" +
           settings_.debug_distill_teacher_sizes;
  }
  bool full_system_stands_in() const {
    if (!stand_in_wanted() || settings_.distill_teacher.empty()) return false;
    if (stand_in_verdict_key_ == stand_in_key() && !full_system_affordable_) return false;
    return holds_full_system(settings_.distill_teacher);
  }
  void remember_stand_in_verdict(bool affordable, std::string note) {
    stand_in_verdict_key_ = stand_in_key();
    full_system_affordable_ = affordable;
    stand_in_note_ = std::move(note);
  }
  // Renders the rest pose twice (the first pays for first use) and keeps the full system when the second took
  // at most one frame at the governor's floor rate. (Usually measured just before the run's process starts;
  // when the run then slows the full system down, the governor lowers its rate.)
  bool full_system_fast_enough(AvatarPoser& poser) {
    const double budget_ms = settings_.debug_full_system_budget_ms > 0 ? settings_.debug_full_system_budget_ms
                                                                       : 1000.0 / FrameGovernor::kFloorFps;
    double render_ms = 0.0;
    for (int attempt = 0; attempt < 2; ++attempt) {
      const double start = steady_seconds();
      frame_.device_frames.reset();
      poser.render(Pose{}, frame_);
      wait_out_debug_render_time(start);
      render_ms = (steady_seconds() - start) * 1000.0;
      if (render_ms > 5.0 * budget_ms) break;  // seconds per frame (a CPU): no need to look twice
    }
    const bool affordable = render_ms <= budget_ms;
    const std::string measured = "the full system takes " + std::to_string(std::lround(render_ms)) +
                                 " ms per frame here (a live avatar needs at most " +
                                 std::to_string(std::lround(budget_ms)) + ")";
    remember_stand_in_verdict(affordable, affordable ? "" : measured);
    log(LogLevel::kInfo, measured + (affordable ? ": it animates the picture while the real-time model is made"
                                                : ": the still picture is shown while the real-time model is made"));
    return affordable;
  }
  // The status's words for what runs: the model's description, and what it stands in for.
  std::string shown_description() const {
    std::string description = poser_->description();
    if (full_system_stands_in()) description += " (until the real-time model being made has learnt the face)";
    return description;
  }

  // ---- the governor ----
  GovernorSettings governor_settings() const {
    GovernorSettings governed;
    governed.enabled = settings_.governor;
    governed.display_fps = settings_.display_fps;
    governed.max_fps = settings_.max_fps;
    governed.precision_can_drop = fused_cuda_ && settings_.gpu_precision == GpuPrecision::kQuality;
    return governed;
  }

  // The settings a model is loaded with: the user's, at reduced GPU precision while the governor asks for it,
  // the distillation's folder once it has a snapshot to show, and before that the full system standing in.
  AvatarSettings model_settings() const {
    AvatarSettings settings = settings_;
    if (governor_.reduced_precision()) settings.gpu_precision = GpuPrecision::kBalanced;
    if (distillation_has_model_) {
      settings.model_folder = settings_.distill_prefix;
    } else if (full_system_stands_in()) {
      settings.model_folder = settings_.distill_teacher;
      settings.character_image = settings_.distill_picture;
    } else if (picture_only()) {
      settings.model_folder.clear();  // the still picture
    }
    return settings;
  }

  // ---- making a real-time model (distillation_job.h) ----
  // Once a second: starts the run when the user asked for it (again after OBS restarted: it resumes), stops it
  // when they stopped it, shows its progress, and moves the source to its newest snapshot and then its
  // finished model, each loaded beside the running model so the stream never jumps to nothing.
  void follow_distillation(double now) {
    if (now < next_distillation_poll_s_) return;
    next_distillation_poll_s_ = now + 1.0;
    const std::filesystem::path prefix = settings_.distill_prefix;
    const bool wanted = settings_.distill_active && !prefix.empty();
    const std::string request_key =
        settings_.distill_prefix + "\n" + settings_.distill_picture + "\n" + settings_.distill_teacher;
    std::string text;
    if (distillation_ && (!wanted || distillation_->request().prefix != prefix)) {
      distillation_->cancel();
      distillation_.reset();
      log(LogLevel::kInfo, "making the real-time model stopped; starting it again resumes it");
    }
    const DistillationFolder folder = look_at_distillation(prefix);
    const bool finished = folder.finished;
    if (wanted && !finished && !distillation_ && request_key != failed_distillation_) {
      try {
        distillation_ = std::make_unique<DistillationJob>(distillation_request());
        log(LogLevel::kInfo, "making a real-time model of " + settings_.distill_picture + " in " + prefix.string());
      } catch (const std::exception& e) {
        failed_distillation_ = request_key;
        distillation_error_ = e.what();
      }
    }
    if (distillation_) {
      const DistillationReport report = distillation_->poll();
      text = report.text;
      if (report.state == DistillationState::kFailed) {
        failed_distillation_ = request_key;  // not again until a setting changes
        distillation_error_ = report.text;
        log(LogLevel::kError, "making the real-time model " + report.text);
        distillation_.reset();
      } else if (report.state == DistillationState::kFinished && !look_at_distillation(prefix).finished) {
        // Ended well but left no finished model (a run limited to one part): not started again every second.
        failed_distillation_ = request_key;
        distillation_error_ = "the run ended without a finished model (see " + (prefix / "distill.log").string() + ")";
        distillation_.reset();
      } else if (report.state != DistillationState::kRunning) {
        distillation_.reset();
      }
    }
    if (request_key != failed_distillation_) distillation_error_.clear();
    if (finished) {
      text = "finished: the source runs it (" + (prefix / "character_model").string() + ")";
    } else if (!distillation_error_.empty() && wanted) {
      text = distillation_error_;
    } else if (!wanted && !prefix.empty() && !distillation_) {
      std::error_code error;
      text = std::filesystem::is_regular_file(prefix / "config.yaml", error) ? "stopped; start it again to resume" : "";
    }
    bump_status_if_changed(&RuntimeStatus::distillation, text);

    // Show the run's model once it has one (or stop showing it when the folder goes).
    const bool has_model = folder.finished || folder.has_snapshot;
    if (has_model != distillation_has_model_) {
      distillation_has_model_ = has_model;
      if (poser_) {
        reload_in_place(has_model ? "the real-time model being made has learnt its face"
                                  : "the real-time model's folder is gone");
      } else {
        schedule_model(now);
      }
    }
  }

  DistillationRequest distillation_request() const {
    DistillationRequest request;
    request.program = find_tha4_program();
    request.picture = settings_.distill_picture;
    request.prefix = settings_.distill_prefix;
    request.teacher = settings_.distill_teacher;
    if (request.picture.empty()) {
      throw Error("no character picture to make a model of: choose a character model or a character image first");
    }
    if (request.teacher.empty()) {
      throw Error("making a real-time model needs the full THA4 system's weights (the teacher): choose their folder");
    }
    request.teacher_sizes = settings_.debug_distill_teacher_sizes;
    std::istringstream words(settings_.debug_distill_run_arguments);
    for (std::string word; words >> word;) request.run_arguments.push_back(word);
    return request;
  }

  template <typename Member>
  void bump_status_if_changed(Member member, const std::string& text) {
    std::lock_guard<std::mutex> lock(status_mutex_);
    if (status_.*member == text) return;
    status_.*member = text;
    status_generation_.fetch_add(1);
  }

  // After each frame: tells the governor OBS's load and the render time; a change of precision reloads the
  // model beside the running one (no gap on the stream), a change of level shows in the status.
  void follow_governor(double now, double render_s) {
    const bool was_reduced = governor_.reduced_precision();
    const bool judged = governor_.observe(
        now, ObsLoad{obs_frame_ms_.load(), obs_interval_ms_.load(), obs_lagged_frames_.load()}, render_s * 1000.0);
    if (!judged) return;  // the rate, the precision and the summary change only when a window is judged
    if (governor_.reduced_precision() != was_reduced) {
      log(LogLevel::kInfo, governor_.reduced_precision() ? "the governor lowers the GPU precision (busy machine)"
                                                         : "the governor restores the GPU precision");
      if (poser_) reload_in_place("the governor changed the GPU precision");
    }
    show_governor();
  }
  void show_governor() {
    std::string summary = governor_.summary();
    std::lock_guard<std::mutex> lock(status_mutex_);
    if (status_.governor != summary) {
      status_.governor = std::move(summary);
      status_generation_.fetch_add(1);
    }
  }

  // ---- status ----
  template <class F>
  void bump_status(F&& change) {
    std::lock_guard<std::mutex> lock(status_mutex_);
    change(status_);
    status_generation_.fetch_add(1);
  }
  void set_state(RuntimeState state, const std::string& model, const std::string& error,
                 const std::string& warning = "") {
    error_owner_ = error.empty() ? "" : "model";
    state_ = state;
    bump_status([&](RuntimeStatus& s) {
      s.state = state;
      s.model = model;
      s.error = error;
      s.warning = warning;
    });
  }
  // Errors that leave the model running (a bad base pose, a tracker that cannot start): shown until the
  // part that caused them is fixed.
  void set_error(const std::string& owner, const std::string& error) {
    if (error_owner_ == "model") return;  // the model error matters more
    error_owner_ = owner;
    bump_status([&](RuntimeStatus& s) { s.error = error; });
  }
  void clear_error_if(const std::string& owner) {
    if (error_owner_ != owner) return;
    error_owner_.clear();
    bump_status([&](RuntimeStatus& s) { s.error.clear(); });
  }
  void log(LogLevel level, const std::string& message) {
    if (log_) log_(level, message);
  }

  LogFunction log_;

  // Shared with other threads.
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool showing_ = false;
  bool removed_ = false;  // OBS removed the source: nothing more to do until it is destroyed
  bool active_ = true;    // shown and ticked: rendering (written by the worker)
  bool calibrate_requested_ = false;
  bool poked_ = false;
  std::optional<AvatarSettings> pending_settings_;
  std::set<std::string> active_expressions_;
  std::atomic<bool> tracking_paused_{false};
  std::atomic<double> last_tick_s_{-1.0};  // OBS's last video_tick (steady clock); -1 before the first
  std::atomic<double> obs_frame_ms_{0.0};  // OBS's load as of its last video_tick (see ObsLoad)
  std::atomic<double> obs_interval_ms_{0.0};
  std::atomic<std::uint32_t> obs_lagged_frames_{0};
  std::atomic<bool> waiting_for_ticks_{false};
  std::atomic<bool> lip_sync_enabled_{false};
  FrameMailbox mailbox_;
  RenderStatistics statistics_;
  tracking::LipSync lip_sync_;
  TrackingInputHolder tracking_;
  mutable std::mutex status_mutex_;
  RuntimeStatus status_;
  std::atomic<std::uint64_t> status_generation_{1};
  std::atomic<std::uint64_t> poses_composed_{0};

  // Worker thread only.
  AvatarSettings settings_;
  bool has_settings_ = false;
  std::unique_ptr<AvatarPoser> poser_;
  std::optional<AvatarFrame> pending_still_;
  PoseComposer composer_;
  AvatarFrame frame_;
  std::optional<Pose> last_pose_;
  CrossFade fade_;  // from the last frame shown to a newly loaded model's
  bool force_render_ = true;
  double last_motion_s_ = 0.0;  // when the composed pose last changed (or settings or a command arrived)
  std::uint64_t sequence_ = 0;
  std::string error_owner_;
  RuntimeState state_ = RuntimeState::kNoModel;
  static constexpr double kNever = std::numeric_limits<double>::infinity();
  double model_due_s_ = kNever;     // a model load is scheduled for then
  double tracking_due_s_ = kNever;  // a tracker rebuild is scheduled for then
  double heavy_work_due_s_ = kNever;
  std::optional<AvatarSettings> loaded_settings_;  // the settings poser_ was loaded with
  std::string loaded_warning_;                     // and what its loading warned of
  std::string loaded_signature_;                   // the model files as they were at the last load
  std::string last_seen_signature_;                // ... and at the last poll
  bool fused_cuda_ = false;                        // poser_ is the fused CUDA engine (its precision can drop)
  FrameGovernor governor_;
  std::unique_ptr<DistillationJob> distillation_;  // the separate process making a real-time model
  bool distillation_has_model_ = false;            // its folder has a snapshot or the finished model: shown
  std::string stand_in_verdict_key_;               // the full system was measured for this teacher and picture
  bool full_system_affordable_ = false;            // ... and renders fast enough to stand in
  std::string stand_in_note_;                      // why it does not ("" when it does)
  std::string failed_distillation_;                // the request that failed (not retried until it changes)
  std::string distillation_error_;
  double next_distillation_poll_s_ = 0.0;
  double next_model_files_poll_s_ = 0.0;
  bool tracking_released_ = true;  // no tracker while not shown; built when shown
  bool tracking_failed_ = false;   // the last rebuild threw; retried every kTrackingRetrySeconds
  double next_tracking_retry_s_ = 0.0;
  std::string last_tracking_error_;

  std::thread thread_;  // last: it uses everything above
};

AvatarRuntime::AvatarRuntime(LogFunction log, std::vector<ExpressionPreset> presets)
    : presets_(std::move(presets)), worker_(std::make_unique<Worker>(std::move(log), presets_)) {}
AvatarRuntime::~AvatarRuntime() = default;

void AvatarRuntime::apply_settings(const AvatarSettings& settings) { worker_->apply_settings(settings); }
void AvatarRuntime::set_showing(bool showing) { worker_->set_showing(showing); }
void AvatarRuntime::stop() { worker_->stop(); }
void AvatarRuntime::tick(double now_s, const ObsLoad& obs) { worker_->tick(now_s, obs); }
bool AvatarRuntime::try_take_frame(AvatarFrame& frame) { return worker_->try_take_frame(frame); }
void AvatarRuntime::set_texture_path(const std::string& path) { worker_->set_texture_path(path); }
void AvatarRuntime::frame_shown(const AvatarFrame& frame, double shown_at_s) {
  worker_->frame_shown(frame, shown_at_s);
}
bool AvatarRuntime::submit_video_frame(const std::uint8_t* bgra, int width, int height, int stride,
                                       double timestamp_s) {
  return worker_->submit_video_frame(bgra, width, height, stride, timestamp_s);
}
void AvatarRuntime::submit_audio(const float* const* planes, int channels, int frames, int sample_rate) {
  worker_->submit_audio(planes, channels, frames, sample_rate);
}
void AvatarRuntime::calibrate() { worker_->calibrate(); }
void AvatarRuntime::set_tracking_paused(bool paused) { worker_->set_tracking_paused(paused); }
bool AvatarRuntime::tracking_paused() const { return worker_->tracking_paused(); }
void AvatarRuntime::set_expression_active(const std::string& id, bool active) {
  worker_->set_expression_active(id, active);
}
bool AvatarRuntime::expression_active(const std::string& id) const { return worker_->expression_active(id); }
RuntimeStatus AvatarRuntime::status() const { return worker_->status(); }
std::uint64_t AvatarRuntime::status_generation() const { return worker_->status_generation(); }

}  // namespace tha4::avatar
