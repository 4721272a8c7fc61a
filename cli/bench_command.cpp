// tha4 bench student: per-frame timing of a student engine.
#include "cli/cli_common.h"
#include "cli/commands.h"
#include "cli/demo_animation.h"
#include "cli/full_system.h"
#include "inference/fast/cpu_features.h"
#include "inference/engine/make_poser.h"
#include "inference/fast/fast_student_engine.h"

#include <torch/cuda.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <random>
#include <thread>

namespace tha4::cli {
namespace {

struct StudentBenchOptions {
  EngineOptions engine;
  std::string compare;  // another engine to time in the same run
  bool demo_animation = false;
  int frames = 10;
  int warmup = 1;
};

// Poses that change every frame (so no engine can answer from a cache): random morphs and rotations.
Pose random_pose(std::mt19937& rng) {
  Pose pose = rest_pose();
  for (const auto& p : pose_parameters()) {
    std::uniform_real_distribution<float> value(p.min, p.max);
    pose[p.index] = value(rng);
  }
  return pose;
}

struct Timing {
  double median, min, max;
};

Timing time_engine(StudentEngine& engine, bool on_gpu, int warmup, int frames) {
  std::mt19937 rng(1234);
  for (int i = 0; i < warmup; ++i) engine.run(random_pose(rng));
  std::vector<double> ms;
  for (int i = 0; i < frames; ++i) {
    const Pose pose = random_pose(rng);
    const auto start = std::chrono::steady_clock::now();
    const StudentOutputs outputs = engine.run(pose);
    if (on_gpu) torch::cuda::synchronize();  // GPU work is asynchronous
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(ms.begin(), ms.end());
  const std::size_t n = ms.size();
  return {n % 2 ? ms[n / 2] : (ms[n / 2 - 1] + ms[n / 2]) / 2, ms.front(), ms.back()};
}

void print_timing(const StudentEngine& engine, const Timing& t) {
  std::printf("  %-9s median %8.1f ms   min %8.1f ms   max %8.1f ms   %6.2f frames/s   peak memory so far %.0f MiB\n",
              std::string(engine.name()).c_str(), t.median, t.min, t.max, 1000.0 / t.median, peak_memory_mib());
}

// The multiply-add peak of a kernel set on `threads` cores, measured rather than looked up: each thread runs
// the set's register-only chains at once, after a short warm-up that lets the clock settle.
double measured_peak_gflops(const fast::Kernels& kernels, int threads) {
  constexpr long kIterations = 40'000'000;
  std::vector<double> rates(static_cast<std::size_t>(threads));
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&kernels, &rates, t] {
      volatile float sink = kernels.multiply_add_chains(kIterations / 8);
      const auto start = std::chrono::steady_clock::now();
      sink = kernels.multiply_add_chains(kIterations);
      (void)sink;
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      rates[static_cast<std::size_t>(t)] = 2.0 * kIterations * fast::kPeakChains * kernels.lanes / seconds / 1e9;
    });
  }
  for (auto& worker : workers) worker.join();
  double total = 0.0;
  for (double rate : rates) total += rate;
  return total;
}

// How much of the CPU the fast engine uses: its executed multiply-adds against the measured peak.
void print_machine_use(const fast::FastStudentEngine& engine, const Timing& t) {
  const double gflop = 2.0 * static_cast<double>(engine.multiply_adds_per_frame()) / 1e9;
  const double achieved = gflop / (t.median / 1000.0);
  const double peak = measured_peak_gflops(engine.kernels(), engine.threads());
  // Sines, upsampling and the warp are left out: the count is the multiply-adds alone (2 FLOP each).
  std::printf("  work      %.1f GFLOP of multiply-adds per frame (folded, padded layers): %.0f GFLOP/s at the median\n",
              gflop, achieved);
  std::printf("  peak      %.0f GFLOP/s measured for %s multiply-adds on %d thread(s): the engine reaches %.0f%%\n",
              peak, engine.kernels().name, engine.threads(), 100.0 * achieved / peak);
}

// The fast engine over `tha4 demo`'s animation at 30 frames/s, with its pose caches on and off: what
// skipping the face morpher (when only the body, eyes-free head or breathing move) saves on a real script.
void run_demo_animation_bench(fast::FastStudentEngine& engine) {
  std::vector<Pose> poses;
  for (double t = 0.0; t < demo_duration_seconds(); t += 1.0 / 30.0) poses.push_back(demo_frame_at(t).pose);
  const auto play = [&](bool caches) {
    engine.set_pose_caches(caches);
    const int64_t skipped_before = engine.face_morphs_skipped();
    engine.run(poses.front());
    std::vector<double> ms;
    for (const Pose& pose : poses) {
      const auto start = std::chrono::steady_clock::now();
      engine.run(pose);
      ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
    }
    double total = 0.0;
    for (double m : ms) total += m;
    std::printf(
        "  demo animation, pose caches %-3s: %zu frames, mean %6.1f ms, median %6.1f ms, face morpher skipped "
        "%lld times\n",
        caches ? "on" : "off", ms.size(), total / static_cast<double>(ms.size()), median(ms),
        static_cast<long long>(engine.face_morphs_skipped() - skipped_before));
    return total;
  };
  const double off = play(false);
  const double on = play(true);
  std::printf("  the caches save %.0f%% of the animation's compute\n", 100.0 * (off - on) / off);
  engine.set_pose_caches(true);
}

void run_student_bench(const StudentBenchOptions& options) {
  LoadedEngine loaded = load_engine(options.engine);
  const int threads = loaded.threads;
  // LibTorch on a GPU needs a synchronisation before the clock stops; the fused CUDA engine's run() waits.
  const bool on_gpu = loaded.model->device.is_cuda();
  const bool fused_gpu = loaded.engine->name().rfind("cuda", 0) == 0;
  std::printf("bench student: character %s, %d thread(s), %d frame(s) of 512x512 after %d warm-up, device %s\n",
              loaded.model->files.yaml.parent_path().filename().c_str(), threads, options.frames, options.warmup,
              fused_gpu ? "cuda (fused engine)" : loaded.model->device.str().c_str());
  std::printf("  engine    %s\n", loaded.engine->description().c_str());
  auto* fast_engine = dynamic_cast<fast::FastStudentEngine*>(loaded.engine.get());
  if (!on_gpu && !fused_gpu) {
    std::printf("  cpu       %s, kernels %s (supported: %s)\n", fast::cpu_model_name().c_str(),
                fast_engine ? fast_engine->kernels().name : "none (reference engine)",
                fast::supported_kernel_names().c_str());
  }
  const Timing primary = time_engine(*loaded.engine, on_gpu, options.warmup, options.frames);
  print_timing(*loaded.engine, primary);
  if (fast_engine) {
    print_machine_use(*fast_engine, primary);
    if (options.demo_animation) run_demo_animation_bench(*fast_engine);
  }
  if (options.compare.empty()) return;
  engine::Options engine_options;
  engine_options.threads = options.engine.threads;
  auto other = engine::make_poser(engine::parse_kind(options.compare), loaded.model, engine_options);
  const Timing reference = time_engine(*other, on_gpu, options.warmup, options.frames);
  print_timing(*other, reference);
  std::printf("  %s is %.1fx faster than %s (median against median)\n", std::string(loaded.engine->name()).c_str(),
              reference.median / primary.median, std::string(other->name()).c_str());
}

}  // namespace

void add_bench_command(CLI::App& app) {
  CLI::App* bench = app.add_subcommand("bench", "Benchmarks (per-frame timing)");
  bench->require_subcommand(1);
  auto options = std::make_shared<StudentBenchOptions>();
  CLI::App* student = bench->add_subcommand("student", "Time the student poser on a 512x512 frame");
  options->engine.add_to(*student);
  student->add_option("--compare", options->compare, "Also time this engine in the same run and print the ratio")
      ->check(CLI::IsMember({"fast", "reference", "cuda"}));
  student->add_flag_function(
      "--compare-reference", [options](int64_t) { options->compare = "reference"; },
      "Also time the reference engine (LibTorch, as the reference implementation computes) and print the ratio");
  student->add_flag("--demo-animation", options->demo_animation,
                    "Also play tha4 demo's animation through the fast engine with its pose caches on and off");
  student->add_option("--frames", options->frames, "Timed frames")->check(CLI::Range(1, 100000));
  student->add_option("--warmup", options->warmup, "Untimed warm-up frames")->check(CLI::Range(0, 1000));
  student->callback([options] { run_student_bench(*options); });
  add_tracking_bench_command(*bench);
  add_full_bench_command(*bench);
  add_distill_bench_command(*bench);
  add_train_bench_command(*bench);
}

}  // namespace tha4::cli
