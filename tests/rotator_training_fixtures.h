#pragma once
// What the rotator-training tests share: a random VGG16 file, tiny network sizes with the official topology,
// random pictures, the exact loss terms over a dataset, and the settings of tiny runs.
#include "inference/full/full_system_config.h"
#include "inference/rotator_training/body_rotator_task.h"
#include "inference/rotator_training/rotator_dataset.h"
#include "inference/training/training_loop.h"

#include <torch/torch.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <vector>

namespace tha4::test::rotator_training {

// A torchvision-style vgg16 state dict with random (He-scaled) weights for the convolutions the loss uses, and
// one classifier entry that the loader must ignore.
std::filesystem::path write_random_vgg16(const std::filesystem::path& folder, uint64_t seed = 1);

// Small networks with the official topology: attention on the last level, 8 heads, dropout on (the loop's
// RNG must carry it through a resume).
full::FullSystemConfig tiny_sizes();

torch::Tensor random_images(int64_t n, int64_t size, uint64_t seed);

// The six (rotator) or ten (editor) terms in `phase`, exact, in eval mode, over the whole dataset.
std::vector<double> exact_terms(tha4::rotator_training::BodyRotatorTask& task,
                                const tha4::rotator_training::RotatorDataset& dataset,
                                const tha4::rotator_training::TrainingPhase& phase);

tha4::rotator_training::BodyRotatorTaskSettings tiny_task_settings(tha4::rotator_training::RotatorNetwork network,
                                                                   std::vector<int64_t> phases);

// The loop's options for a tiny run in `folder`: batch 4, one process.
training::TrainingOptions tiny_run(const std::filesystem::path& folder, int64_t total, int64_t checkpoint_every,
                                   int64_t snapshot_every, std::optional<int64_t> sample_every);

}  // namespace tha4::test::rotator_training
