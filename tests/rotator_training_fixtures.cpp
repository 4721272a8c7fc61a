#include "tests/rotator_training_fixtures.h"

#include "inference/training/loss_log.h"
#include "inference/weights/tensor_archive_writer.h"

#include <cmath>

namespace tha4::test::rotator_training {

namespace rt = tha4::rotator_training;
namespace fs = std::filesystem;

// A torchvision-style vgg16 state dict with random (He-scaled) weights for the convolutions the loss uses, and
// one classifier entry that the loader must ignore.
fs::path write_random_vgg16(const fs::path& folder, uint64_t seed) {
  torch::manual_seed(seed);
  std::vector<tha4::NamedTensor> tensors;
  for (const rt::Vgg16Conv& conv : rt::kVgg16Convs) {
    const std::string prefix = "features." + std::to_string(conv.index);
    tensors.push_back({prefix + ".weight", torch::randn({conv.out_channels, conv.in_channels, 3, 3}) *
                                               std::sqrt(2.0 / (9.0 * conv.in_channels))});
    tensors.push_back({prefix + ".bias", torch::randn({conv.out_channels}) * 0.05});
  }
  tensors.push_back({"classifier.6.bias", torch::zeros({1000})});
  const fs::path file = folder / "vgg16.pt";
  tha4::write_tensor_archive(file, tensors);
  return file;
}

// Small networks with the official topology: attention on the last level, 8 heads, dropout on (the loop's
// RNG must carry it through a resume).
tha4::full::FullSystemConfig tiny_sizes() {
  tha4::full::FullSystemConfig sizes = tha4::full::FullSystemConfig::reduced();
  for (tha4::full::UnetConfig* unet : {&sizes.body_morpher.unet, &sizes.upscaler.unet}) {
    unet->model_channels = 32;  // GroupNorm's 32 groups must divide every width, skips included
    unet->cond_internal_channels = 32;
    unet->num_middle_res_blocks = 2;
    unet->dropout_prob = 0.1;
  }
  sizes.body_morpher.image_size = 32;
  sizes.body_morpher.unet.level_channel_multipliers = {1, 1, 2};
  sizes.body_morpher.unet.level_use_attention = {false, false, true};
  sizes.upscaler.image_size = 64;
  sizes.upscaler.unet.level_channel_multipliers = {1, 1, 1, 2};
  sizes.upscaler.unet.level_use_attention = {false, false, false, true};
  return sizes;
}

torch::Tensor random_images(int64_t n, int64_t size, uint64_t seed) {
  torch::manual_seed(seed);
  return torch::rand({n, 4, size, size}) * 2 - 1;
}

// The six (rotator) or ten (editor) terms in `phase`, exact, in eval mode, over the whole dataset.
std::vector<double> exact_terms(rt::BodyRotatorTask& task, const rt::RotatorDataset& dataset,
                                const rt::TrainingPhase& phase) {
  std::vector<int64_t> all;
  for (int64_t i = 0; i < dataset.size(); ++i) all.push_back(i);
  torch::NoGradGuard no_grad;
  task.module().eval();
  const tha4::training::StepLoss loss =
      task.loss_of(dataset.batch(all, torch::kCPU), phase, rt::PerceptualEstimate::kExact);
  task.module().train();
  std::vector<double> terms;
  for (const auto& term : loss.terms) terms.push_back(term.item<double>());
  return terms;
}

rt::BodyRotatorTaskSettings tiny_task_settings(rt::RotatorNetwork network, std::vector<int64_t> phases) {
  const tha4::full::FullSystemConfig sizes = tiny_sizes();
  rt::BodyRotatorTaskSettings settings;
  settings.network = network;
  settings.rotator = sizes.body_morpher;
  settings.editor = sizes.upscaler;
  settings.phase_lengths = std::move(phases);
  settings.peak_learning_rate = 1e-3;
  settings.warm_up_examples = 16;
  return settings;
}

// The loop's options for a tiny run in `folder`: batch 4, one process.
tha4::training::TrainingOptions tiny_run(const fs::path& folder, int64_t total, int64_t checkpoint_every,
                                         int64_t snapshot_every, std::optional<int64_t> sample_every) {
  tha4::training::TrainingOptions options;
  options.run_folder = folder;
  options.schedule.total_examples = total;
  options.schedule.checkpoint_interval = checkpoint_every;
  options.schedule.snapshot_interval = snapshot_every;
  options.schedule.sample_output_interval = sample_every;
  options.batch_size = 4;
  return options;
}

}  // namespace tha4::test::rotator_training
