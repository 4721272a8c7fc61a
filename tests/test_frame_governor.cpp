// The frame governor (plugin/runtime/frame_governor.h): every rule on constructed loads, window by window.
#include "plugin/runtime/frame_governor.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

using namespace tha4::avatar;
using Catch::Matchers::Contains;

namespace {

constexpr double kInterval30 = 1000.0 / 30.0;

// The first sample starts the governor's clock at 0.
double start(FrameGovernor& governor, const ObsLoad& obs) {
  governor.observe(0.0, obs, 0.0);
  return 0.0;
}

// Feeds `windows` whole windows of the same load from `clock`: `frames` rendered frames a second (a power of
// two, so the times are exact), each taking `render_ms`.
void run_windows(FrameGovernor& governor, double& clock, int windows, const ObsLoad& obs, double render_ms,
                 int frames = 32) {
  for (int i = 0; i < windows * frames; ++i) {
    clock += 1.0 / frames;
    governor.observe(clock, obs, render_ms);
  }
}

ObsLoad obs_at(double frame_ms, std::uint32_t lagged = 0) { return {frame_ms, kInterval30, lagged}; }

GovernorSettings at_30(bool precision_can_drop = false) {
  GovernorSettings settings;
  settings.display_fps = 30.0;
  settings.precision_can_drop = precision_can_drop;
  return settings;
}

}  // namespace

TEST_CASE("governor: the cap and OBS's rate bound the frame rate; off, it never moves", "[governor]") {
  FrameGovernor governor;
  GovernorSettings settings = at_30();
  governor.configure(settings);
  CHECK(governor.target_fps() == 30.0);
  settings.max_fps = 20.0;
  governor.configure(settings);
  CHECK(governor.target_fps() == 20.0);
  settings.max_fps = 60.0;  // a cap above OBS's rate: OBS's rate
  governor.configure(settings);
  CHECK(governor.target_fps() == 30.0);
  CHECK(governor.summary() == "up to 30 frames/s");

  settings.enabled = false;
  governor.configure(settings);
  double clock = start(governor, obs_at(30.0));
  run_windows(governor, clock, 10, obs_at(30.0, 5), 50.0);
  CHECK(governor.target_fps() == 30.0);
  CHECK_FALSE(governor.holding_back());
  CHECK(governor.summary() == "off, 30 frames/s");
}

TEST_CASE("governor: a busy OBS takes a quarter off the frame rate per second down to 5, then the GPU precision",
          "[governor]") {
  FrameGovernor governor;
  governor.configure(at_30(true));
  double clock = start(governor, obs_at(0.2 * kInterval30));
  const ObsLoad busy = obs_at(0.6 * kInterval30);  // over half of OBS's interval
  double expected = 30.0;
  while (expected > 5.0) {
    expected = std::max(5.0, expected * 0.75);
    run_windows(governor, clock, 1, busy, 5.0);
    CHECK(governor.target_fps() == Approx(expected).epsilon(0.02));  // frames counted per window: ±1
    CHECK_FALSE(governor.reduced_precision());
  }
  run_windows(governor, clock, 1, busy, 5.0, 4);  // at the floor: the precision goes
  CHECK(governor.target_fps() == 5.0);
  CHECK(governor.reduced_precision());
  CHECK_THAT(governor.summary(),
             Contains("at most 5 of 30 frames/s") && Contains("reduced precision") && Contains("OBS busy"));
  run_windows(governor, clock, 3, busy, 5.0, 4);  // nothing further to give
  CHECK(governor.target_fps() == 5.0);

  SECTION("calm seconds undo one step per three windows, the precision first") {
    const ObsLoad calm = obs_at(0.1 * kInterval30);
    run_windows(governor, clock, 2, calm, 5.0, 4);
    CHECK(governor.reduced_precision());  // two calm windows are not enough
    run_windows(governor, clock, 1, calm, 5.0, 4);
    CHECK_FALSE(governor.reduced_precision());
    CHECK(governor.target_fps() == 5.0);
    run_windows(governor, clock, 3, calm, 5.0, 4);
    CHECK(governor.target_fps() == Approx(5.0 / 0.75));
    run_windows(governor, clock, 30, calm, 5.0, 4);
    CHECK(governor.target_fps() == 30.0);
    CHECK(governor.summary() == "up to 30 frames/s");
  }
  SECTION("between the thresholds nothing changes either way") {
    run_windows(governor, clock, 10, obs_at(0.4 * kInterval30), 5.0, 4);
    CHECK(governor.target_fps() == 5.0);
    CHECK(governor.reduced_precision());
  }
  SECTION("one busy window among calm ones starts the count again") {
    const ObsLoad calm = obs_at(0.1 * kInterval30);
    run_windows(governor, clock, 2, calm, 5.0, 4);
    run_windows(governor, clock, 1, busy, 5.0, 4);
    run_windows(governor, clock, 2, calm, 5.0, 4);
    CHECK(governor.reduced_precision());
  }
}

TEST_CASE("governor: frames OBS lagged and renders slowed by a busy machine are pressure too", "[governor]") {
  FrameGovernor governor;
  governor.configure(at_30());  // a CPU engine: no precision to give
  double clock = start(governor, obs_at(5.0, 100));
  run_windows(governor, clock, 3, obs_at(5.0, 100), 10.0);  // calm: 10 ms renders
  CHECK_FALSE(governor.holding_back());
  run_windows(governor, clock, 1, obs_at(5.0, 101), 10.0);  // one more lagged frame in the window
  CHECK(governor.target_fps() == Approx(22.5).epsilon(0.02));
  CHECK_THAT(governor.summary(), Contains("OBS lagging"));

  // Renders 1.5 times slower than the calm 10 ms: the cores are taken.
  run_windows(governor, clock, 1, obs_at(5.0, 101), 15.0);
  CHECK(governor.target_fps() == Approx(16.875).epsilon(0.03));
  CHECK_THAT(governor.summary(), Contains("machine busy"));
  // 1.25 times: between the thresholds, held.
  run_windows(governor, clock, 6, obs_at(5.0, 101), 12.5);
  CHECK(governor.target_fps() == Approx(16.875).epsilon(0.03));
  // Calm again: back to the ceiling step by step.
  run_windows(governor, clock, 3, obs_at(5.0, 101), 10.0);
  CHECK(governor.target_fps() == Approx(22.5).epsilon(0.03));
  run_windows(governor, clock, 3, obs_at(5.0, 101), 10.0);
  CHECK(governor.target_fps() == 30.0);

  // A slow engine (8 frames a second whatever its target) gets real idle time: three quarters of what it
  // achieved, not of a target it never reached.
  FrameGovernor slow;
  slow.configure(at_30());
  clock = start(slow, obs_at(5.0));
  run_windows(slow, clock, 3, obs_at(5.0), 120.0, 8);
  run_windows(slow, clock, 1, obs_at(0.7 * kInterval30), 120.0, 8);
  CHECK(slow.target_fps() == Approx(6.0));

  // Outside OBS (no interval) only the render time counts; OBS's lag counter going back (a restart) is no lag.
  FrameGovernor alone;
  alone.configure(at_30());
  clock = start(alone, ObsLoad{});
  run_windows(alone, clock, 3, ObsLoad{}, 10.0);
  CHECK_FALSE(alone.holding_back());
  run_windows(alone, clock, 1, ObsLoad{}, 20.0);
  CHECK(alone.holding_back());
  FrameGovernor restarted;
  restarted.configure(at_30());
  clock = start(restarted, obs_at(5.0, 50));
  run_windows(restarted, clock, 2, obs_at(5.0, 50), 10.0);
  run_windows(restarted, clock, 2, obs_at(5.0, 3), 10.0);
  CHECK_FALSE(restarted.holding_back());
}

TEST_CASE("governor: a new model's render time is learnt anew; new settings start from the top", "[governor]") {
  FrameGovernor governor;
  governor.configure(at_30());
  double clock = start(governor, obs_at(5.0));
  run_windows(governor, clock, 3, obs_at(5.0), 10.0);
  governor.new_model();
  run_windows(governor, clock, 2, obs_at(5.0), 20.0);  // twice the old model's time: its own calm
  CHECK_FALSE(governor.holding_back());
  run_windows(governor, clock, 1, obs_at(5.0), 30.0);  // 1.5 times the new calm: busy
  CHECK(governor.holding_back());
  run_windows(governor, clock, 6, obs_at(5.0), 20.0);
  CHECK_FALSE(governor.holding_back());

  run_windows(governor, clock, 2, obs_at(0.8 * kInterval30), 13.0);
  REQUIRE(governor.holding_back());
  governor.configure(at_30());  // the same settings: the level stays
  CHECK(governor.holding_back());
  GovernorSettings capped = at_30();
  capped.max_fps = 24.0;
  governor.configure(capped);
  CHECK_FALSE(governor.holding_back());
  CHECK(governor.target_fps() == 24.0);
}

TEST_CASE("governor: a window is judged once, at its end, and only then can the status change", "[governor]") {
  FrameGovernor governor;
  governor.configure(at_30());
  CHECK_FALSE(governor.observe(0.0, obs_at(20.0), 0.0));  // starts the clock
  std::vector<int> judged_at;
  for (int i = 1; i <= 96; ++i) {
    const std::string before = governor.summary();
    const bool judged = governor.observe(i / 32.0, obs_at(20.0), 10.0);  // OBS busy: every window steps down
    if (judged) judged_at.push_back(i);
    if (!judged) CHECK(governor.summary() == before);
  }
  CHECK(judged_at == std::vector<int>{32, 64, 96});
  CHECK(governor.holding_back());
  // Off, nothing is judged.
  GovernorSettings off = at_30();
  off.enabled = false;
  governor.configure(off);
  for (int i = 97; i <= 160; ++i) CHECK_FALSE(governor.observe(i / 32.0, obs_at(20.0), 10.0));
}
