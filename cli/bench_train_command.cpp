// tha4 bench train: the cost of a body-rotator training step (forward, losses, backward, Adam) in examples per
// second, for each phase of the rotator and the editor, and what the supplement's whole schedule takes at
// those rates. Pictures are the synthetic dataset's and VGG16's weights random: the cost does not depend on them.
#include "cli/allocator_tuning.h"
#include "cli/cli_common.h"
#include "cli/commands.h"
#include "cli/full_system.h"
#include "inference/fast/cpu_features.h"
#include "inference/full/teacher_networks.h"
#include "inference/rotator_training/body_rotator_task.h"
#include "inference/rotator_training/synthetic_dataset.h"
#include "inference/training/adam_state.h"
#include "inference/training/progress_bar.h"
#include "inference/util/errors.h"
#include "inference/weights/tensor_archive_writer.h"

#include <torch/cuda.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include <unistd.h>

namespace tha4::cli {
namespace {

namespace fs = std::filesystem;
namespace rt = rotator_training;

struct TrainBenchOptions {
  std::string network = "both";
  bool official = false;
  int batch = 2;
  int steps = 2;
  int warmup = 1;
  int threads = 0;
  std::string device = "cpu";
};

double now_ms(const torch::Device& device) {
  if (device.is_cuda()) torch::cuda::synchronize();
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// The median step time of `task` in `phase`, as the training loop takes its steps.
double time_phase(rt::BodyRotatorTask& task, const rt::TrainingPhase& phase, const rt::RotatorBatch& batch,
                  const TrainBenchOptions& options, const torch::Device& device) {
  torch::manual_seed(0);
  task.initialize_module();
  std::vector<torch::Tensor> parameters = task.module().parameters();
  torch::optim::Adam adam = training::make_adam(parameters, task.adam_settings(), rt::kPeakLearningRate);
  task.module().train();
  std::vector<double> times;
  for (int i = 0; i < options.warmup + options.steps; ++i) {
    const double start = now_ms(device);
    for (auto& p : parameters) p.mutable_grad().reset();
    training::StepLoss loss = task.loss_of(batch, phase, rt::PerceptualEstimate::kStochastic);
    loss.total.backward();
    adam.step();
    const double end = now_ms(device);
    if (i >= options.warmup) times.push_back(end - start);
  }
  return median(times);
}

void run_train_bench(const TrainBenchOptions& options) {
  keep_freed_memory_for_reuse();
  const int threads = apply_thread_count(options.threads);
  const torch::Device device = parse_device(options.device);
  const full::FullSystemConfig sizes =
      options.official ? full::FullSystemConfig::official() : full::FullSystemConfig::reduced();
  char folder_template[] = "/tmp/tha4-bench-train-XXXXXX";
  if (::mkdtemp(folder_template) == nullptr) throw Error("cannot create a temporary folder in /tmp");
  const fs::path folder = folder_template;
  const int64_t picture_size = sizes.upscaler.image_size;
  rt::write_synthetic_dataset(folder / "dataset", picture_size, options.batch, 2, 0);
  auto dataset = std::make_shared<const rt::RotatorDataset>(folder / "dataset", picture_size, false);
  auto phi = std::make_shared<rt::PerceptualLoss>(rt::Vgg16Features());
  for (auto& p : phi->vgg()->parameters()) p.set_requires_grad(false);
  phi->vgg()->to(device);
  std::vector<int64_t> all;
  for (int64_t i = 0; i < dataset->size(); ++i) all.push_back(i);
  const rt::RotatorBatch batch = dataset->batch(all, device);
  // A random rotator stands in for the trained one that makes the editor's coarse inputs.
  torch::manual_seed(0);
  const std::string_view rotator_file = full::names_of(full::TeacherNetwork::kHalfResRotator).weight_file;
  write_tensor_archive(folder / rotator_file, module_state_dict(*full::HalfResRotator(sizes.body_morpher)));

  std::printf("bench train: %s sizes, %d thread(s), device %s, batch %d, %d step(s) after %d warm-up, cpu %s\n",
              options.official ? "official" : "reduced", threads, device.str().c_str(), options.batch, options.steps,
              options.warmup, fast::cpu_model_name().c_str());
  for (const rt::RotatorNetwork network : {rt::RotatorNetwork::kHalfResRotator, rt::RotatorNetwork::kEditor}) {
    if (options.network != "both" && options.network != rt::network_word(network)) continue;
    rt::BodyRotatorTaskSettings settings;
    settings.network = network;
    settings.rotator = sizes.body_morpher;
    settings.editor = sizes.upscaler;
    settings.device = device;
    settings.coarse_rotator_weights = folder / rotator_file;
    rt::BodyRotatorTask task(dataset, phi, settings);
    double schedule_seconds = 0;
    int64_t begins = 0;
    for (const int64_t length : task.phases().lengths()) {
      const rt::TrainingPhase phase = task.phases().at(begins);
      const double ms = time_phase(task, phase, batch, options, device);
      const double rate = 1000.0 * options.batch / ms;
      schedule_seconds += static_cast<double>(length) / rate;
      std::printf("  %-7s phase %d (%s)  step median %10.1f ms   %8.3f examples/s\n", rt::network_word(network).c_str(),
                  phase.number,
                  phase.percept_weight == 0 ? "L1"
                  : phase.coarse_inputs     ? "L1 + half/quad perceptual, coarse inputs"
                                            : "L1 + perceptual",
                  ms, rate);
      std::printf("RESULT engine=train-%s-phase%d-%s-%s examples_per_s=%.4f\n", rt::network_word(network).c_str(),
                  phase.number, options.official ? "official" : "reduced", device.is_cuda() ? "cuda" : "cpu", rate);
      begins += length;
    }
    std::printf("  %-7s the supplement's schedule (%lld examples) at these rates: %s\n",
                rt::network_word(network).c_str(), static_cast<long long>(task.phases().total_examples()),
                training::ProgressBar::format_duration(schedule_seconds).c_str());
  }
  std::printf("  peak memory %.0f MiB\n", peak_memory_mib());
  std::error_code ec;
  fs::remove_all(folder, ec);
}

}  // namespace

void add_train_bench_command(CLI::App& bench) {
  auto options = std::make_shared<TrainBenchOptions>();
  CLI::App* command = bench.add_subcommand(
      "train", "Time body-rotator training steps (each phase of the rotator and the editor) and project the schedule");
  command->add_option("--network", options->network, "both (default), rotator or editor")
      ->check(CLI::IsMember({"both", "rotator", "editor"}));
  command->add_flag("--official", options->official,
                    "Official network sizes (slow on a CPU) instead of the reduced ones");
  command->add_option("--batch", options->batch, "Examples per step (default 2; the supplement trains with 16)")
      ->check(CLI::Range(1, 64));
  command->add_option("--steps", options->steps, "Timed steps per phase")->check(CLI::Range(1, 100000));
  command->add_option("--warmup", options->warmup, "Untimed warm-up steps per phase")->check(CLI::Range(0, 1000));
  command->add_option("--threads", options->threads, "CPU threads (0: every hardware thread)")
      ->check(CLI::Range(0, 1024));
  command->add_option("--device", options->device, "cpu (default) or cuda");
  command->callback([options] { run_train_bench(*options); });
}

}  // namespace tha4::cli
