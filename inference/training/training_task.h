#pragma once
// What the training loop (training_loop.h) trains: one module, its loss on a batch of dataset examples, its
// learning-rate schedule and its sample pictures. The student face and body distillers implement it, and so
// will the body-rotator trainers: the loop itself knows nothing about THA4.

#include "inference/training/adam_state.h"

#include <torch/torch.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace tha4::training {

// The loss of one step on this process's share of the batch.
struct StepLoss {
  std::vector<torch::Tensor> terms;  // scalar tensors, unweighted, in TrainingTask::loss_names() order
  torch::Tensor total;               // what the step minimises: the weighted sum of the terms
};

class TrainingTask {
 public:
  virtual ~TrainingTask() = default;

  // The run's folder name under the prefix ("face_morpher", "body_morpher").
  virtual std::string name() const = 0;
  // The module being trained; its state dict is what checkpoints hold (module_module.pt).
  virtual torch::nn::Module& module() = 0;
  // Fresh weights for a new run. The loop seeds LibTorch's CPU generator first, so this is reproducible.
  virtual void initialize_module() = 0;
  virtual AdamSettings adam_settings() const { return {}; }
  // The learning rate of the step that starts after `examples_seen` examples.
  virtual double learning_rate(int64_t examples_seen) const = 0;
  // The CSV columns and progress-bar labels of StepLoss::terms.
  virtual std::vector<std::string> loss_names() const = 0;
  // How many examples the dataset holds (the batch sampler draws indices below it).
  virtual int64_t dataset_size() const = 0;
  // The loss on the dataset examples `examples` (this process's share of the step that starts after
  // `examples_seen` examples), with the graph for backward().
  virtual StepLoss loss(const std::vector<int64_t>& examples, int64_t examples_seen) = 0;
  // A hint, given before each step's loss(): the examples of the step after it (none after the last), so a
  // task that reads its examples from disk can start reading them while this step computes. It must not
  // change any result: loss() gives the same with or without it.
  virtual void prefetch(const std::vector<int64_t>& next_examples) { (void)next_examples; }
  // Writes a picture of the module's current outputs next to the teacher's to `png` (rank 0 only).
  virtual void write_sample_output(const std::filesystem::path& png) = 0;
};

}  // namespace tha4::training
