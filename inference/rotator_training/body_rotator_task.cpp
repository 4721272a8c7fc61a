#include "inference/rotator_training/body_rotator_task.h"

#include "inference/full/full_poser.h"
#include "inference/full/unet_heads.h"
#include "inference/image/contact_sheet.h"
#include "inference/image/display.h"
#include "inference/util/atomic_file.h"
#include "inference/util/errors.h"
#include "inference/weights/state_dict.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace tha4::rotator_training {
namespace {

namespace nn = torch::nn;

constexpr int kSampleRows = 4;

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool zero_initialised(const std::string& name) {
  for (const char* suffix :
       {".conv1.weight", ".conv1.bias", ".conv.weight", ".conv.bias", "last.2.weight", "last.2.bias"}) {
    if (ends_with(name, suffix)) return true;
  }
  return name.rfind("coarse_image_conv.", 0) == 0;
}

RotatorOutputs outputs_of(const std::vector<torch::Tensor>& outputs) {
  using O = full::UnetPoserOutput;
  auto at = [&](O o) { return outputs[static_cast<std::size_t>(o)]; };
  return {at(O::kMerged), at(O::kAlpha), at(O::kWarped), at(O::kGridChange), at(O::kDirect)};
}

torch::Tensor not_computed(const torch::Device& device) {
  return torch::full({}, std::numeric_limits<float>::quiet_NaN(), torch::TensorOptions().device(device));
}

}  // namespace

void initialize_like_reference(nn::Module& network) {
  for (const auto& module : network.modules()) {
    if (auto* conv = module->as<nn::Conv2d>()) conv->reset_parameters();
    if (auto* linear = module->as<nn::Linear>()) linear->reset_parameters();
  }
  torch::NoGradGuard no_grad;
  for (auto& parameter : network.named_parameters()) {
    if (zero_initialised(parameter.key())) parameter.value().zero_();
  }
}

BodyRotatorTask::BodyRotatorTask(std::shared_ptr<const RotatorDataset> dataset, std::shared_ptr<PerceptualLoss> phi,
                                 BodyRotatorTaskSettings settings)
    : dataset_(std::move(dataset)),
      phi_(std::move(phi)),
      settings_(std::move(settings)),
      phases_(settings_.network, settings_.phase_lengths.empty() ? PhasePlan::default_lengths(settings_.network)
                                                                 : settings_.phase_lengths) {
  const bool editor = settings_.network == RotatorNetwork::kEditor;
  const int64_t size = editor ? settings_.editor.image_size : 2 * settings_.rotator.image_size;
  if (dataset_->image_size() != size) {
    throw Error("the " + network_word(settings_.network) + " trains on " + std::to_string(size) + "x" +
                std::to_string(size) + " pictures; the dataset's are " + std::to_string(dataset_->image_size()));
  }
  if (!phi_) throw Error("the body-rotator training needs the VGG16 perceptual loss");
  if (editor) {
    editor_ = full::Editor(settings_.editor);
    editor_->to(settings_.device);
    const int64_t coarse_phase_start = phases_.at(phases_.total_examples() - 1).begins_at;
    if (phases_.at(coarse_phase_start).coarse_inputs) {
      if (!settings_.coarse_rotator_weights) {
        throw Error(
            "the editor's phase 3 needs the trained half-resolution rotator: pass its body_morpher.pt "
            "(--rotator)");
      }
      if (settings_.rotator.image_size * 2 != settings_.editor.image_size) {
        throw Error("the rotator works at half the editor's size");
      }
      coarse_rotator_ = full::HalfResRotator(settings_.rotator);
      load_module_weights(*coarse_rotator_, *settings_.coarse_rotator_weights);
      coarse_rotator_->to(settings_.device);
      coarse_rotator_->eval();
      for (auto& parameter : coarse_rotator_->parameters()) parameter.set_requires_grad(false);
    }
  } else {
    rotator_ = full::HalfResRotator(settings_.rotator);
    rotator_->to(settings_.device);
  }
  last_phase_ = phases_.at(0);
}

nn::Module& BodyRotatorTask::module() {
  if (editor_) return *editor_;
  return *rotator_;
}

void BodyRotatorTask::initialize_module() { initialize_like_reference(module()); }

std::vector<std::string> BodyRotatorTask::loss_names() const {
  std::vector<std::string> names{"l1_warped",      "l1_direct",      "l1_blended",
                                 "percept_warped", "percept_direct", "percept_blended"};
  if (settings_.network == RotatorNetwork::kEditor) {
    for (const char* name : {"half_direct", "half_blended", "quad_direct", "quad_blended"}) names.emplace_back(name);
  }
  return names;
}

const torch::Tensor& BodyRotatorTask::input_of(const RotatorBatch& batch) const {
  return editor_ ? batch.rest : batch.rest_half;
}

const torch::Tensor& BodyRotatorTask::target_of(const RotatorBatch& batch) const {
  return editor_ ? batch.posed : batch.posed_half;
}

std::pair<torch::Tensor, torch::Tensor> BodyRotatorTask::coarse_inputs(const RotatorBatch& batch) {
  torch::NoGradGuard no_grad;
  const std::vector<torch::Tensor> half = coarse_rotator_->forward(batch.rest_half, batch.pose);
  const int64_t size = batch.rest.size(-1);
  return {full::resize_bilinear(half[static_cast<int>(full::UnetPoserOutput::kMerged)], size),
          full::resize_bilinear(half[static_cast<int>(full::UnetPoserOutput::kGridChange)], size)};
}

RotatorOutputs BodyRotatorTask::forward(const RotatorBatch& batch, const TrainingPhase& phase) {
  if (rotator_) return outputs_of(rotator_->forward(batch.rest_half, batch.pose));
  if (phase.coarse_inputs) {
    const auto [coarse_posed, coarse_grid_change] = coarse_inputs(batch);
    return outputs_of(editor_->forward(batch.rest, coarse_posed, coarse_grid_change, batch.pose));
  }
  // Phases 1–2: the editor as a full-resolution rotator, its U-Net without the coarse-input submodule.
  const torch::Tensor t = torch::zeros({batch.rest.size(0), 1}, batch.rest.options());
  return outputs_of(full::unet_poser_outputs(editor_->body->forward(batch.rest, t, batch.pose), batch.rest));
}

training::StepLoss BodyRotatorTask::loss_of(const RotatorBatch& batch, const TrainingPhase& phase,
                                            PerceptualEstimate estimate) {
  const RotatorOutputs out = forward(batch, phase);
  const torch::Tensor& target = target_of(batch);
  const torch::Device device = target.device();
  training::StepLoss loss;
  loss.terms.assign(loss_names().size(), not_computed(device));
  loss.terms[0] = l1_term(out.warped, target);
  loss.terms[1] = l1_term(out.direct, target);
  loss.terms[2] = l1_term(out.blended, target);
  loss.total = phase.l1_weight * (loss.terms[0] + loss.terms[1] + loss.terms[2]);
  if (phase.percept_weight == 0) return loss;
  if (!phi_) throw Error("the perceptual loss is needed from phase " + std::to_string(phase.number));
  torch::Tensor percept;
  if (!phase.coarse_inputs) {
    loss.terms[3] = perceptual_term(*phi_, out.warped, target, estimate);
    loss.terms[4] = perceptual_term(*phi_, out.direct, target, estimate);
    loss.terms[5] = perceptual_term(*phi_, out.blended, target, estimate);
    percept = loss.terms[3] + loss.terms[4] + loss.terms[5];
  } else {
    loss.terms[6] = half_term(*phi_, out.direct, target, estimate);
    loss.terms[7] = half_term(*phi_, out.blended, target, estimate);
    loss.terms[8] = quad_term(*phi_, out.direct, target, estimate);
    loss.terms[9] = quad_term(*phi_, out.blended, target, estimate);
    percept = loss.terms[6] + loss.terms[7] + loss.terms[8] + loss.terms[9];
  }
  loss.total = loss.total + phase.percept_weight * percept;
  return loss;
}

void BodyRotatorTask::prefetch(const std::vector<int64_t>& next_examples) {
  constexpr std::size_t kMostPending = 2;  // this step's and the next one's
  while (pending_reads_.size() >= kMostPending) {
    pending_reads_.front().result.wait();
    pending_reads_.pop_front();
  }
  pending_reads_.push_back({next_examples, std::async(std::launch::async, [dataset = dataset_, next_examples] {
                              return dataset->read(next_examples);
                            })});
}

DecodedExamples BodyRotatorTask::take_examples(const std::vector<int64_t>& examples) {
  const auto match = std::find_if(pending_reads_.begin(), pending_reads_.end(),
                                  [&](const PendingRead& read) { return read.examples == examples; });
  if (match == pending_reads_.end()) return dataset_->read(examples);  // the later reads may still be used
  // Reads named before this one were for steps that did not come: drop them.
  while (pending_reads_.front().examples != examples) {
    pending_reads_.front().result.wait();
    pending_reads_.pop_front();
  }
  std::future<DecodedExamples> result = std::move(pending_reads_.front().result);
  pending_reads_.pop_front();
  ++prefetch_hits_;
  return result.get();  // a read error surfaces here, as it would have in read()
}

training::StepLoss BodyRotatorTask::loss(const std::vector<int64_t>& examples, int64_t examples_seen) {
  last_phase_ = phases_.at(examples_seen);
  const RotatorBatch batch = dataset_->to_batch(take_examples(examples), settings_.device);
  return loss_of(batch, last_phase_, settings_.estimate);
}

void BodyRotatorTask::write_sample_output(const std::filesystem::path& png) {
  // A few examples spread over the dataset, one row each: rest, target, blended, warped, direct, alpha, grid change.
  std::vector<int64_t> examples;
  const int64_t rows = std::min<int64_t>(kSampleRows, dataset_->size());
  for (int64_t r = 0; r < rows; ++r) examples.push_back(rows == 1 ? 0 : r * (dataset_->size() - 1) / (rows - 1));
  const RotatorBatch batch = dataset_->batch(examples, settings_.device);
  torch::nn::Module& network = module();
  const bool was_training = network.is_training();
  network.eval();
  RotatorOutputs out;
  {
    torch::NoGradGuard no_grad;
    out = forward(batch, last_phase_);
  }
  network.train(was_training);
  const torch::Tensor& input = input_of(batch);
  const torch::Tensor& target = target_of(batch);
  const int cell = static_cast<int>(target.size(-1));
  Rgba8Image sheet(7 * cell, static_cast<int>(rows) * cell);
  for (int64_t r = 0; r < rows; ++r) {
    const Rgba8Image cells[7] = {
        over_green_screen(input[r].cpu()),
        over_green_screen(target[r].cpu()),
        over_green_screen(out.blended[r].cpu()),
        over_green_screen(out.warped[r].cpu()),
        over_green_screen(out.direct[r].cpu()),
        output_tensor_to_rgba8(out.alpha[r].cpu(), DisplayPath::kStraightAlpha),
        output_tensor_to_rgba8(out.grid_change[r].cpu(), DisplayPath::kStraightAlpha),
    };
    for (int c = 0; c < 7; ++c) paste_cell(sheet, cells[c], c * cell, static_cast<int>(r) * cell);
  }
  write_file_atomically(png, encode_png(sheet));
}

}  // namespace tha4::rotator_training
