// tha4 bench distill: the cost of one distillation step (teacher and student), in examples per second, and
// what a whole distillation takes at that rate.
#include "cli/allocator_tuning.h"
#include "cli/cli_common.h"
#include "cli/commands.h"
#include "cli/full_system.h"
#include "inference/distill/body_distillation.h"
#include "inference/distill/face_distillation.h"
#include "inference/distill/pose_source.h"
#include "inference/training/adam_state.h"
#include "inference/training/batch_sampler.h"
#include "inference/training/progress_bar.h"

#include <torch/cuda.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

namespace tha4::cli {
namespace {

struct DistillBenchOptions {
  EngineOptions engine;  // --character, --threads, --device
  FullSystemOptions full;
  bool official = false;
  std::string part = "both";
  int batch = 8;
  int steps = 3;
  int warmup = 1;
};

double now_ms(const torch::Device& device) {
  if (device.is_cuda()) torch::cuda::synchronize();
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

struct StepTiming {
  double step_ms;     // teacher + student forward, backward, Adam
  double teacher_ms;  // the teacher alone on the same batch
};

// Times `task`'s steps as the training loop takes them; `teacher` runs the task's teacher alone.
StepTiming time_steps(training::TrainingTask& task, const std::function<void(const std::vector<int64_t>&)>& teacher,
                      const DistillBenchOptions& options, const torch::Device& device) {
  torch::manual_seed(0);
  task.initialize_module();
  std::vector<torch::Tensor> parameters = task.module().parameters();
  torch::optim::Adam adam = training::make_adam(parameters, task.adam_settings(), task.learning_rate(0));
  training::DistributedBatchSampler sampler(task.dataset_size(), options.batch, 0, 1);
  std::vector<double> steps, teachers;
  for (int i = 0; i < options.warmup + options.steps; ++i) {
    const std::vector<int64_t> examples = sampler.batch(int64_t{i} * options.batch);
    const double t0 = now_ms(device);
    teacher(examples);
    const double t1 = now_ms(device);
    for (auto& p : parameters) p.mutable_grad().reset();
    training::StepLoss loss = task.loss(examples, 0);
    loss.total.backward();
    adam.step();
    const double t2 = now_ms(device);
    if (i >= options.warmup) {
      teachers.push_back(t1 - t0);
      steps.push_back(t2 - t1);
    }
  }
  return {median(steps), median(teachers)};
}

void print_row(const char* name, const StepTiming& t, int batch) {
  std::printf(
      "  %-13s step median %10.1f ms = teacher %9.1f ms (%4.1f%%) + student forward, backward, Adam %8.1f ms"
      "   %8.3f examples/s\n",
      name, t.step_ms, t.teacher_ms, 100.0 * t.teacher_ms / t.step_ms, t.step_ms - t.teacher_ms,
      1000.0 * batch / t.step_ms);
}

void run_distill_bench(const DistillBenchOptions& options) {
  keep_freed_memory_for_reuse();
  const int threads = apply_thread_count(options.engine.threads);
  const torch::Device device = options.engine.torch_device();
  const full::FullPrecision precision = full_system_precision(options.full, device);
  BenchTeacher bench_teacher = load_bench_teacher(options.full, options.official, device);
  distill::DistillationTeacher teacher;
  teacher.device = device;
  teacher.poser = std::make_shared<full::FullPoser>(std::move(bench_teacher.networks), precision);
  teacher.character = load_full_system_image(options.full, options.engine, device);
  const auto poses = distill::make_builtin_pose_sampler();
  std::printf(
      "bench distill: %s teacher sizes (%.1f M parameters, %s), %s, %d thread(s), device %s, batch %d, %d "
      "step(s) after %d warm-up\n",
      bench_teacher.sizes.c_str(), static_cast<double>(bench_teacher.parameters) / 1e6,
      bench_teacher.random_weights ? "random weights" : "official weights",
      full::full_precision_name(precision).c_str(), threads, device.str().c_str(), options.batch, options.steps,
      options.warmup);

  const torch::Tensor mask = torch::ones({4, 128, 128});
  const std::filesystem::path unused;
  double face_rate = 0, body_rate = 0;
  if (options.part != "body") {
    distill::FaceDistillationTask face(teacher, mask, poses, {distill::kFaceDefaultExamples, 0, unused});
    const StepTiming t = time_steps(
        face, [&](const std::vector<int64_t>& examples) { face.teacher_faces(poses->poses(examples).to(device)); },
        options, device);
    print_row("face morpher", t, options.batch);
    face_rate = 1000.0 * options.batch / t.step_ms;
    std::printf("RESULT engine=distill-face-%s-%s examples_per_s=%.4f\n", full::full_precision_name(precision).c_str(),
                device.is_cuda() ? "cuda" : "cpu", face_rate);
  }
  if (options.part != "face") {
    distill::BodyDistillationTask body(teacher, poses, {distill::kBodyDefaultExamples, 0, unused});
    const StepTiming t = time_steps(
        body,
        [&](const std::vector<int64_t>& examples) {
          const torch::Tensor p = poses->poses(examples).to(device);
          teacher.poser->pose(teacher.batch_image(p.size(0)), p);
        },
        options, device);
    print_row("body morpher", t, options.batch);
    body_rate = 1000.0 * options.batch / t.step_ms;
    std::printf("RESULT engine=distill-body-%s-%s examples_per_s=%.4f\n", full::full_precision_name(precision).c_str(),
                device.is_cuda() ? "cuda" : "cpu", body_rate);
  }
  if (face_rate > 0 && body_rate > 0) {
    const double seconds = distill::kFaceDefaultExamples / face_rate + distill::kBodyDefaultExamples / body_rate;
    std::printf(
        "  a whole distillation (1,000,000 face + 1,500,000 body examples) at these rates: %s  (peak memory "
        "%.0f MiB)\n",
        training::ProgressBar::format_duration(seconds).c_str(), peak_memory_mib());
  }
}

}  // namespace

void add_distill_bench_command(CLI::App& bench) {
  auto options = std::make_shared<DistillBenchOptions>();
  CLI::App* command = bench.add_subcommand(
      "distill", "Time distillation steps (teacher + student training) and project a whole distillation");
  options->engine.add_to(*command);
  options->full.add_to(*command);
  command->add_flag("--official", options->official,
                    "Official teacher sizes (164 M parameters; slow on a CPU) instead of the reduced test sizes");
  command->add_option("--part", options->part, "both (default), face or body")
      ->check(CLI::IsMember({"both", "face", "body"}));
  command->add_option("--batch", options->batch, "Examples per step (the config's batch size; default 8)")
      ->check(CLI::Range(1, 64));
  command->add_option("--steps", options->steps, "Timed steps")->check(CLI::Range(1, 100000));
  command->add_option("--warmup", options->warmup, "Untimed warm-up steps")->check(CLI::Range(0, 1000));
  command->callback([options] { run_distill_bench(*options); });
}

}  // namespace tha4::cli
