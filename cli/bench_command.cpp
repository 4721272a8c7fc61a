// tha4 bench student: per-frame timing of a student engine.
#include "cli/cli_common.h"
#include "cli/commands.h"

#include <torch/cuda.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <random>

namespace tha4::cli {
namespace {

struct StudentBenchOptions {
  EngineOptions engine;
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

void run_student_bench(const StudentBenchOptions& options) {
  const int threads = apply_thread_count(options.engine.threads);
  LoadedEngine loaded = load_engine(options.engine);
  std::mt19937 rng(1234);
  for (int i = 0; i < options.warmup; ++i) loaded.engine->run(random_pose(rng));
  std::vector<double> ms;
  for (int i = 0; i < options.frames; ++i) {
    const Pose pose = random_pose(rng);
    const auto start = std::chrono::steady_clock::now();
    const StudentOutputs outputs = loaded.engine->run(pose);
    if (loaded.model->device.is_cuda()) torch::cuda::synchronize();  // GPU work is asynchronous
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  std::vector<double> sorted = ms;
  std::sort(sorted.begin(), sorted.end());
  const double median = sorted.size() % 2 ? sorted[sorted.size() / 2]
                                           : (sorted[sorted.size() / 2 - 1] + sorted[sorted.size() / 2]) / 2;
  std::printf("bench student: engine %s, character %s, %d thread(s), %d frame(s) of 512x512 after %d warm-up\n",
              std::string(loaded.engine->name()).c_str(), loaded.model->files.yaml.parent_path().filename().c_str(),
              threads, options.frames, options.warmup);
  std::printf("  median %.1f ms   min %.1f ms   max %.1f ms   %.2f frames/s   peak memory %.0f MiB\n", median,
              sorted.front(), sorted.back(), 1000.0 / median, peak_memory_mib());
}

}  // namespace

void add_bench_command(CLI::App& app) {
  CLI::App* bench = app.add_subcommand("bench", "Benchmarks (per-frame timing)");
  bench->require_subcommand(1);
  auto options = std::make_shared<StudentBenchOptions>();
  CLI::App* student = bench->add_subcommand("student", "Time the student poser on a 512x512 frame");
  options->engine.add_to(*student);
  student->add_option("--frames", options->frames, "Timed frames")->check(CLI::Range(1, 100000));
  student->add_option("--warmup", options->warmup, "Untimed warm-up frames")->check(CLI::Range(0, 1000));
  student->callback([options] { run_student_bench(*options); });
}

}  // namespace tha4::cli
