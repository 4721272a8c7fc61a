#pragma once
// Training the improved body rotator (seed supplement §2) as a task of the shared training loop
// (training/training_loop.h): the half-resolution rotator (Morpher00) or the editor (Upscaler02).
//
// The rotator learns to turn rest_half into posed_half; its loss is
//   ℓ_L1·(L1 warped + L1 direct + L1 blended) + ℓ_percept·(percept warped + percept direct + percept blended).
// The editor trains in phases 1–2 as a full-resolution rotator (its U-Net without the coarse-input submodule,
// the same six terms at full size) and in phase 3 with the coarse inputs that a trained, frozen rotator makes
// from the example (mode_07 steps 6–7), on
//   λ_L1·(L1 warped + L1 direct + L1 blended) + λ_percept·(half direct + half blended + quad direct + quad blended).
// Terms a phase does not use are not computed (their loss-log column reads nan).

#include "inference/full/editor.h"
#include "inference/full/half_res_rotator.h"
#include "inference/rotator_training/perceptual_loss.h"
#include "inference/rotator_training/rotator_dataset.h"
#include "inference/rotator_training/rotator_losses.h"
#include "inference/rotator_training/training_phases.h"
#include "inference/training/training_task.h"

#include <torch/torch.h>

#include <deque>
#include <filesystem>
#include <future>
#include <memory>
#include <optional>

namespace tha4::rotator_training {

struct BodyRotatorTaskSettings {
  RotatorNetwork network = RotatorNetwork::kHalfResRotator;
  full::HalfResRotatorConfig rotator = full::UnetPoserConfig::official_half_res_rotator();
  full::EditorConfig editor = full::UnetPoserConfig::official_editor();
  std::vector<int64_t> phase_lengths;  // empty: the supplement's
  PerceptualEstimate estimate = PerceptualEstimate::kStochastic;
  double peak_learning_rate = kPeakLearningRate;
  int64_t warm_up_examples = kWarmUpExamples;
  torch::Device device = torch::kCPU;
  // The editor's phase 3: the trained rotator (a body_morpher.pt of `rotator`'s sizes) that makes the coarse inputs.
  std::optional<std::filesystem::path> coarse_rotator_weights;
};

// The outputs of one forward pass, at the network's training resolution.
struct RotatorOutputs {
  torch::Tensor blended, alpha, warped, grid_change, direct;
};

class BodyRotatorTask final : public training::TrainingTask {
 public:
  // Throws Error when `phi` is null or the dataset's picture
  // size does not match the network, and WeightFileError for a coarse rotator that does not load.
  BodyRotatorTask(std::shared_ptr<const RotatorDataset> dataset, std::shared_ptr<PerceptualLoss> phi,
                  BodyRotatorTaskSettings settings);

  std::string name() const override { return network_file_stem(settings_.network); }
  torch::nn::Module& module() override;
  void initialize_module() override;
  training::AdamSettings adam_settings() const override { return {kAdamBeta1, kAdamBeta2, 1e-8}; }
  double learning_rate(int64_t examples_seen) const override {
    return rotator_learning_rate(examples_seen, settings_.peak_learning_rate, settings_.warm_up_examples);
  }
  std::vector<std::string> loss_names() const override;
  int64_t dataset_size() const override { return dataset_->size(); }
  training::StepLoss loss(const std::vector<int64_t>& examples, int64_t examples_seen) override;
  // Decodes the next step's pictures on a reader thread while this step computes.
  void prefetch(const std::vector<int64_t>& next_examples) override;
  void write_sample_output(const std::filesystem::path& png) override;

  const PhasePlan& phases() const { return phases_; }
  // How many loss() calls found their examples already read by prefetch().
  int64_t prefetch_hits() const { return prefetch_hits_; }
  // The pieces loss() is made of, for tests and benchmarks.
  RotatorOutputs forward(const RotatorBatch& batch, const TrainingPhase& phase);
  training::StepLoss loss_of(const RotatorBatch& batch, const TrainingPhase& phase, PerceptualEstimate estimate);
  // The half-size input and full-size target of the network: (rest_half, posed_half) for the rotator,
  // (rest, posed) for the editor.
  const torch::Tensor& input_of(const RotatorBatch& batch) const;
  const torch::Tensor& target_of(const RotatorBatch& batch) const;

  full::HalfResRotator& rotator() { return rotator_; }
  full::Editor& editor() { return editor_; }

 private:
  // mode_07 steps 6–7 with the frozen rotator: (coarse posed image, coarse grid change) at full size.
  std::pair<torch::Tensor, torch::Tensor> coarse_inputs(const RotatorBatch& batch);
  // The prefetched examples when they are `examples`, else read now.
  DecodedExamples take_examples(const std::vector<int64_t>& examples);

  std::shared_ptr<const RotatorDataset> dataset_;
  std::shared_ptr<PerceptualLoss> phi_;
  BodyRotatorTaskSettings settings_;
  PhasePlan phases_;
  full::HalfResRotator rotator_{nullptr};         // being trained (network kHalfResRotator)
  full::Editor editor_{nullptr};                  // being trained (network kEditor)
  full::HalfResRotator coarse_rotator_{nullptr};  // frozen, editor phase 3 only
  TrainingPhase last_phase_;                      // of the last loss() (sample sheets show that phase's network)
  // Reads in flight, oldest first: the loop names step n+1's examples before step n's loss(), so the read of
  // step n (named a step earlier) and that of step n+1 can both be pending.
  struct PendingRead {
    std::vector<int64_t> examples;
    std::future<DecodedExamples> result;
  };
  std::deque<PendingRead> pending_reads_;
  int64_t prefetch_hits_ = 0;
};

// Fresh weights as the reference's constructors make them: PyTorch's default initialisation of every
// convolution and linear layer, then zeros in the layers the U-Net zero-initialises (each ResBlock's conv1,
// each attention block's output conv, the output conv `last.2`) and in the editor's coarse_image_conv.
void initialize_like_reference(torch::nn::Module& network);

}  // namespace tha4::rotator_training
