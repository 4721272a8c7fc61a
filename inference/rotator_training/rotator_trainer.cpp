#include "inference/rotator_training/rotator_trainer.h"

#include "inference/training/loss_log.h"
#include "inference/training/loss_plot.h"
#include "inference/training/state_layout.h"
#include "inference/util/atomic_file.h"
#include "inference/util/errors.h"
#include "inference/util/output_folder.h"
#include "inference/weights/tensor_archive_writer.h"

#include <algorithm>

namespace tha4::rotator_training {
namespace {

constexpr int64_t kCheckpointExamples = 500'000;
constexpr int64_t kSnapshotExamples = 10'000;
constexpr int64_t kSampleExamples = 50'000;

}  // namespace

training::TrainingSchedule rotator_schedule(int64_t total_examples, const RotatorTrainingOptions& options) {
  training::TrainingSchedule schedule;
  schedule.total_examples = total_examples;
  const int64_t tenth = std::max<int64_t>(options.batch_size, total_examples / 10);
  schedule.checkpoint_interval = options.checkpoint_every.value_or(std::min(kCheckpointExamples, tenth));
  schedule.snapshot_interval = options.snapshot_every.value_or(
      std::min(kSnapshotExamples, std::max<int64_t>(options.batch_size, schedule.checkpoint_interval / 10)));
  schedule.sample_output_interval =
      options.sample_every.value_or(std::min(kSampleExamples, schedule.checkpoint_interval));
  return schedule;
}

RotatorTrainingResult run_rotator_training(const RotatorTrainingOptions& options) {
  const int world = options.communicator ? options.communicator->world_size() : 1;
  const bool rank0 = !options.communicator || options.communicator->rank() == 0;
  if (options.batch_size < world) {
    throw Error("a batch of " + std::to_string(options.batch_size) + " cannot give each of the " +
                std::to_string(world) + " processes an example");
  }
  if (rank0) check_output_folder_writable(options.out);

  BodyRotatorTaskSettings settings;
  settings.network = options.network;
  settings.rotator = options.sizes.body_morpher;
  settings.editor = options.sizes.upscaler;
  settings.phase_lengths = options.phase_lengths;
  settings.estimate = options.estimate;
  settings.peak_learning_rate = options.peak_learning_rate;
  settings.warm_up_examples = options.warm_up_examples;
  settings.device = options.device;
  settings.coarse_rotator_weights = options.coarse_rotator;
  const int64_t picture_size =
      options.network == RotatorNetwork::kEditor ? settings.editor.image_size : 2 * settings.rotator.image_size;
  auto dataset = std::make_shared<const RotatorDataset>(options.dataset, picture_size, options.skip_bad_examples);
  auto phi = std::make_shared<PerceptualLoss>(load_vgg16_features(options.vgg16, options.device));
  BodyRotatorTask task(dataset, phi, settings);

  RotatorTrainingResult result;
  result.skipped = dataset->skipped();
  if (options.log && rank0) {
    for (const DatasetIssue& issue : result.skipped) {
      *options.log << "skipped " << (options.dataset / kExamplesFile).string() << " line " << issue.line << ": "
                   << issue.message << "\n";
    }
    *options.log << "training the " << network_word(options.network) << " on " << dataset->size()
                 << " example(s); phases";
    for (const int64_t length : task.phases().lengths()) *options.log << " " << length;
    *options.log << " examples\n";
  }

  training::TrainingOptions loop;
  loop.run_folder = options.out / task.name();
  loop.schedule = rotator_schedule(task.phases().total_examples(), options);
  loop.batch_size = options.batch_size;
  loop.seed = options.seed;
  loop.communicator = options.communicator;
  loop.progress = options.progress;
  loop.interactive_progress = options.interactive_progress;
  result.outcome = training::train(task, loop);

  result.weights = options.out / (task.name() + ".pt");
  if (rank0) {
    write_tensor_archive(result.weights, module_state_dict(task.module()));
    const std::filesystem::path plot = loop.run_folder / "losses.png";
    const training::LossTable losses = training::read_loss_log(loop.run_folder / training::kLossLogFile);
    write_file_atomically(plot, encode_png(training::plot_loss_curves({{task.name(), losses}})));
    if (options.log) *options.log << "wrote " << result.weights.string() << " and " << plot.string() << "\n";
  }
  return result;
}

}  // namespace tha4::rotator_training
