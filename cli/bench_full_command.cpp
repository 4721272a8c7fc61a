// tha4 bench full: per-frame timing of the full THA4 system (mode_07's five networks), split per network.
#include "cli/cli_common.h"
#include "cli/commands.h"
#include "cli/full_system.h"
#include "inference/full/teacher_networks.h"
#include "inference/pose/pose_tensor.h"
#include "inference/util/errors.h"

#include <ATen/Context.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <memory>
#include <random>

namespace tha4::cli {
namespace {

struct FullBenchOptions {
  EngineOptions engine;  // --character, --threads, --device (the student engine choice is unused)
  FullSystemOptions full;
  bool official = false;
  int frames = 5;
  int warmup = 1;
};

// A new random pose every frame, so that only the decomposer (which depends on the image alone) can be cached.
Pose random_pose(std::mt19937& rng) {
  Pose pose = rest_pose();
  for (const auto& p : pose_parameters()) pose[p.index] = std::uniform_real_distribution<float>(p.min, p.max)(rng);
  return pose;
}

// The character picture, or a plain synthetic one when no character model is around (timing only).
torch::Tensor bench_image(const FullBenchOptions& options, const torch::Device& device) {
  try {
    return load_full_system_image(options.full, options.engine, device);
  } catch (const CharacterModelError&) {
    if (!options.full.image.empty() || options.engine.character) throw;
    std::printf("  (no character model found: timing a synthetic picture)\n");
    return torch::linspace(-1.0, 1.0, 4 * 512 * 512).view({1, 4, 512, 512}).to(device);
  }
}

void run_full_bench(const FullBenchOptions& options) {
  const int threads = apply_thread_count(options.engine.threads);
  const torch::Device device = options.engine.torch_device();
  const full::FullPrecision precision = full_system_precision(options.full, device);
  // Every frame has the same shapes, so cuDNN may time its algorithms once and keep the fastest.
  if (device.is_cuda()) at::globalContext().setBenchmarkCuDNN(true);
  BenchTeacher teacher = load_bench_teacher(options.full, options.official, device);
  std::printf(
      "bench full: %s sizes (%.1f M parameters), %s, %s, %d thread(s), device %s, %d frame(s) after %d "
      "warm-up\n",
      teacher.sizes.c_str(), static_cast<double>(teacher.parameters) / 1e6,
      teacher.random_weights ? "random weights" : ("weights from " + options.full.tha4_dir).c_str(),
      full::full_precision_name(precision).c_str(), threads, device.str().c_str(), options.frames, options.warmup);
  const torch::Tensor image = bench_image(options, device);
  full::FullPoser poser(std::move(teacher.networks), precision);

  std::mt19937 rng(1234);
  full::FullPoserTimings first;
  for (int i = 0; i < options.warmup; ++i)
    poser.pose(image, pose_to_tensor(random_pose(rng), device), i == 0 ? &first : nullptr);
  std::vector<full::FullPoserTimings> timings(static_cast<std::size_t>(options.frames));
  for (auto& t : timings) poser.pose(image, pose_to_tensor(random_pose(rng), device), &t);
  if (options.warmup == 0) first = timings.front();

  const auto column = [&](const std::function<double(const full::FullPoserTimings&)>& field) {
    std::vector<double> values;
    for (const auto& t : timings) values.push_back(field(t));
    return median(values);
  };
  const double total = column([](const full::FullPoserTimings& t) { return t.total(); });
  std::printf("  %-38s median %10.1f ms   %7.3f frames/s   peak memory %.0f MiB\n", "frame", total, 1000.0 / total,
              peak_memory_mib());
  // One line per network, named by its mode_07 key and, where it differs, the paper's name.
  std::vector<std::pair<std::string, std::function<double(const full::FullPoserTimings&)>>> rows;
  for (const full::TeacherNetworkNames& names : full::kTeacherNetworks) {
    rows.emplace_back(full::module_and_paper_name(names.network),
                      [network = names.network](const full::FullPoserTimings& t) { return t.of(network); });
  }
  rows.emplace_back("crops, pastes, resizes", [](const full::FullPoserTimings& t) { return t.other; });
  for (const auto& [name, field] : rows) {
    const double ms = column(field);
    std::printf("  %-38s median %10.1f ms   %5.1f%%\n", name.c_str(), ms, 100.0 * ms / total);
  }
  std::printf("  (the decomposer depends on the picture only and is cached across frames; uncached it took %.1f ms)\n",
              first.eyebrow_decomposer);
  // For scripts/gpu-check.sh's table (the student benchmarks print the same form).
  std::printf("RESULT engine=teacher-%s-%s median_ms=%.3f\n", full::full_precision_name(precision).c_str(),
              device.is_cuda() ? "cuda" : "cpu", total);
}

}  // namespace

void add_full_bench_command(CLI::App& bench) {
  auto options = std::make_shared<FullBenchOptions>();
  CLI::App* full = bench.add_subcommand(
      "full", "Time the full THA4 system (five teacher networks) on a 512x512 frame, split per network");
  options->engine.add_to(*full);
  options->full.add_to(*full);
  full->add_flag("--official", options->official,
                 "Official network sizes (164 M parameters; slow on a CPU) instead of the reduced test sizes");
  full->add_option("--frames", options->frames, "Timed frames")->check(CLI::Range(1, 100000));
  full->add_option("--warmup", options->warmup, "Untimed warm-up frames")->check(CLI::Range(0, 1000));
  full->callback([options] { run_full_bench(*options); });
}

}  // namespace tha4::cli
