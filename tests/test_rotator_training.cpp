// Training the improved body rotator (seed supplement §1–2): VGG16 loading, every loss term against a hand or
// direct computation, the stochastic perceptual estimate's expectation, the phases, the dataset's checks, and
// tiny real runs (loss falls, phases switch on time, resume is exact, the result loads into the full system).
#include "inference/full/full_poser.h"
#include "inference/image/image_io.h"
#include "inference/rotator_training/body_rotator_task.h"
#include "inference/rotator_training/rotator_trainer.h"
#include "inference/rotator_training/synthetic_dataset.h"
#include "inference/training/loss_log.h"
#include "inference/training/state_layout.h"
#include "inference/util/errors.h"
#include "inference/weights/state_dict.h"
#include "inference/weights/tensor_archive_writer.h"
#include "tests/golden_teacher.h"
#include "tests/test_support.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>

namespace rt = tha4::rotator_training;
namespace fs = std::filesystem;
using Catch::Matchers::Contains;
using tha4::test::ScratchDir;
using tha4::test::error_of;

namespace {

// A torchvision-style vgg16 state dict with random (He-scaled) weights for the convolutions the loss uses, and
// one classifier entry that the loader must ignore.
fs::path write_random_vgg16(const fs::path& folder, uint64_t seed = 1) {
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
tha4::FullSystemConfig tiny_sizes() {
  tha4::FullSystemConfig sizes = tha4::FullSystemConfig::reduced();
  for (tha4::UnetConfig* unet : {&sizes.body_morpher.unet, &sizes.upscaler.unet}) {
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
  const tha4::FullSystemConfig sizes = tiny_sizes();
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

}  // namespace

TEST_CASE("rotator training: VGG16 weights load strictly, with a clear error for any other file", "[rotator-training]") {
  ScratchDir dir("vgg16");
  const fs::path good = write_random_vgg16(dir.path());
  rt::Vgg16Features vgg = rt::load_vgg16_features(good);
  for (const auto& parameter : vgg->parameters()) CHECK_FALSE(parameter.requires_grad());
  const auto features = vgg->forward(torch::zeros({1, 3, 16, 16}));
  CHECK(features[0].sizes() == torch::IntArrayRef({1, 64, 16, 16}));
  CHECK(features[1].sizes() == torch::IntArrayRef({1, 128, 8, 8}));
  CHECK(features[2].sizes() == torch::IntArrayRef({1, 256, 4, 4}));

  CHECK_THAT(error_of([&] { rt::load_vgg16_features(dir.path() / "absent.pt"); }), Contains("do not exist"));
  auto tensors = tha4::read_tensor_archive(good);
  auto write_variant = [&](const std::string& name, std::vector<tha4::NamedTensor> variant) {
    tha4::write_tensor_archive(dir.path() / name, variant);
    return dir.path() / name;
  };
  std::vector<tha4::NamedTensor> missing(tensors.begin() + 2, tensors.end());
  CHECK_THAT(error_of([&] { rt::load_vgg16_features(write_variant("missing.pt", missing)); }),
             Contains("not a torchvision vgg16 state dict"));
  std::vector<tha4::NamedTensor> bn = tensors;
  bn.push_back({"features.1.weight", torch::ones({64})});
  CHECK_THAT(error_of([&] { rt::load_vgg16_features(write_variant("bn.pt", bn)); }), Contains("vgg16_bn"));
  std::vector<tha4::NamedTensor> vgg19 = tensors;
  vgg19.push_back({"features.16.weight", torch::ones({256, 256, 3, 3})});
  CHECK_THAT(error_of([&] { rt::load_vgg16_features(write_variant("vgg19.pt", vgg19)); }), Contains("vgg19"));
  std::vector<tha4::NamedTensor> wrong_shape = tensors;
  wrong_shape[2].tensor = torch::zeros({64, 64, 1, 1});
  CHECK_THAT(error_of([&] { rt::load_vgg16_features(write_variant("shape.pt", wrong_shape)); }),
             Contains("features.2.weight"));
  {
    std::ofstream legacy(dir.path() / "legacy.pth", std::ios::binary);
    legacy << "\x80\x02\x8a\x0a" << std::string(60, '\0');
  }
  CHECK_THAT(error_of([&] { rt::load_vgg16_features(dir.path() / "legacy.pth"); }), Contains("legacy"));
}

TEST_CASE("rotator training: the L1 and perceptual terms equal hand computations", "[rotator-training]") {
  // L1: constant images 0.5 and −0.25 differ by 0.75 everywhere.
  CHECK(rt::l1_term(torch::full({2, 4, 8, 8}, 0.5), torch::full({2, 4, 8, 8}, -0.25)).item<double>() ==
        Approx(0.75).epsilon(1e-7));

  // Φ with a constructed VGG: every convolution copies channels 0–2 through its centre tap (zero bias), so
  // relu1_2, relu2_2 and relu3_3 are relu(ImageNet-normalised input) on 3 of their 64, 128 and 256 channels.
  // For a = +1 everywhere (colour 1) and b = −1 everywhere (colour 0): relu(a′_c) = (1 − mean_c)/std_c and
  // relu(b′_c) = 0, so each term is d · 3/channels with d the channels' mean of (1 − mean_c)/std_c, the same
  // for the RGB and the alpha views.
  rt::Vgg16Features vgg;
  {
    torch::NoGradGuard no_grad;
    for (std::size_t i = 0; i < rt::kVgg16Convs.size(); ++i) {
      auto& conv = *vgg->convs[i]->as<torch::nn::Conv2d>();
      conv.weight.zero_();
      conv.bias.zero_();
      for (int c = 0; c < 3; ++c) conv.weight[c][c][1][1] = 1.0;
    }
  }
  rt::PerceptualLoss phi(vgg);
  double d = 0;
  for (int c = 0; c < 3; ++c) d += (1 - rt::kImageNetMean[c]) / rt::kImageNetStd[c] / 3;
  const double per_view = d * 3 * (1.0 / 64 + 1.0 / 128 + 1.0 / 256);
  const torch::Tensor a = torch::ones({1, 4, 8, 8}), b = -torch::ones({1, 4, 8, 8});
  CHECK(phi.term(a, b, false).item<double>() == Approx(per_view).epsilon(1e-6));
  CHECK(phi.term(a, b, true).item<double>() == Approx(per_view).epsilon(1e-6));
  CHECK(phi.exact(a, b).item<double>() == Approx(2 * per_view).epsilon(1e-6));
  CHECK(phi.exact(a, a).item<double>() == 0.0);
}

TEST_CASE("rotator training: the perceptual loss equals a direct computation from the weight file", "[rotator-training]") {
  ScratchDir dir("vgg16-direct");
  const fs::path file = write_random_vgg16(dir.path());
  rt::PerceptualLoss phi(rt::load_vgg16_features(file));
  const auto weights = tha4::read_tensor_archive(file);
  auto w = [&](int index, const char* what) {
    return tha4::find_tensor(weights, "features." + std::to_string(index) + "." + what, "vgg16.pt");
  };
  auto conv_relu = [&](const torch::Tensor& x, int index) {
    return torch::relu(torch::conv2d(x, w(index, "weight"), w(index, "bias"), 1, 1));
  };
  auto features = [&](const torch::Tensor& x) {
    const torch::Tensor r1 = conv_relu(conv_relu(x, 0), 2);
    const torch::Tensor r2 = conv_relu(conv_relu(torch::max_pool2d(r1, 2, 2), 5), 7);
    const torch::Tensor r3 = conv_relu(conv_relu(conv_relu(torch::max_pool2d(r2, 2, 2), 10), 12), 14);
    return std::vector<torch::Tensor>{r1, r2, r3};
  };
  auto normalised = [](const torch::Tensor& three) {
    std::vector<torch::Tensor> channels;
    for (int c = 0; c < 3; ++c) {
      channels.push_back(((three.select(1, c) + 1) / 2 - rt::kImageNetMean[c]) / rt::kImageNetStd[c]);
    }
    return torch::stack(channels, 1);
  };
  const torch::Tensor a = random_images(2, 24, 3), b = random_images(2, 24, 4);
  double direct = 0;
  for (const bool alpha : {false, true}) {
    auto view = [&](const torch::Tensor& x) {
      return alpha ? torch::cat({x.select(1, 3).unsqueeze(1), x.select(1, 3).unsqueeze(1), x.select(1, 3).unsqueeze(1)}, 1)
                   : x.slice(1, 0, 3);
    };
    const auto fa = features(normalised(view(a))), fb = features(normalised(view(b)));
    for (std::size_t i = 0; i < 3; ++i) direct += (fa[i] - fb[i]).abs().sum().item<double>() / static_cast<double>(fa[i].numel());
  }
  CHECK(phi.exact(a, b).item<double>() == Approx(direct).epsilon(1e-5));
}

TEST_CASE("rotator training: the stochastic perceptual estimate's mean over many draws is the exact loss",
          "[rotator-training]") {
  ScratchDir dir("vgg16-stochastic");
  rt::PerceptualLoss phi(rt::load_vgg16_features(write_random_vgg16(dir.path())));
  const torch::Tensor a = random_images(1, 16, 5), b = random_images(1, 16, 6);
  const double rgb = phi.term(a, b, false).item<double>(), alpha = phi.term(a, b, true).item<double>();
  const double exact = rgb + alpha;
  torch::manual_seed(7);
  const int draws = 4000;
  double sum = 0;
  int heads = 0;
  for (int i = 0; i < draws; ++i) {
    const double x = phi.stochastic(a, b).item<double>();
    const bool is_rgb = std::abs(x - rgb / 0.75) <= 1e-5 * rgb;
    // Every draw is one of the two scaled terms: RGB/(3/4) or alpha/(1/4).
    REQUIRE((is_rgb || std::abs(x - alpha / 0.25) <= 1e-5 * alpha));
    heads += is_rgb ? 1 : 0;
    sum += x;
  }
  // Tolerance: 4 standard errors. Var = E[X²] − Φ² with E[X²] = (4/3)·RGB² + 4·alpha².
  const double variance = 4.0 / 3.0 * rgb * rgb + 4.0 * alpha * alpha - exact * exact;
  const double tolerance = 4 * std::sqrt(variance / draws);
  INFO("rgb " << rgb << " alpha " << alpha << " mean " << sum / draws << " tolerance " << tolerance);
  CHECK(std::abs(sum / draws - exact) <= tolerance);
  CHECK(std::abs(heads / static_cast<double>(draws) - 0.75) <= 4 * std::sqrt(0.75 * 0.25 / draws));
}

TEST_CASE("rotator training: the half and quadrant perceptual terms equal a direct computation", "[rotator-training]") {
  ScratchDir dir("vgg16-half-quad");
  rt::PerceptualLoss phi(rt::load_vgg16_features(write_random_vgg16(dir.path())));
  const torch::Tensor a = random_images(2, 32, 8), b = random_images(2, 32, 9);
  namespace F = torch::nn::functional;
  auto down = [](const torch::Tensor& x) {
    return F::interpolate(x, F::InterpolateFuncOptions().size(std::vector<int64_t>{16, 16}).mode(torch::kBilinear).align_corners(false));
  };
  CHECK(rt::half_term(phi, a, b, rt::PerceptualEstimate::kExact).item<double>() ==
        Approx(phi.exact(down(a), down(b)).item<double>()).epsilon(1e-6));
  double quadrants = 0;
  for (int64_t top : {0, 16}) {
    for (int64_t left : {0, 16}) {
      auto q = [&](const torch::Tensor& x) { return x.slice(2, top, top + 16).slice(3, left, left + 16); };
      quadrants += phi.exact(q(a), q(b)).item<double>();
    }
  }
  CHECK(rt::quad_term(phi, a, b, rt::PerceptualEstimate::kExact).item<double>() == Approx(quadrants).epsilon(1e-5));
  // The quadrants are really the four corners, in order.
  const torch::Tensor stacked = rt::stack_quadrants(a);
  CHECK(torch::equal(stacked.slice(0, 2, 4), a.slice(2, 0, 16).slice(3, 16, 32)));
  CHECK(torch::equal(stacked.slice(0, 4, 6), a.slice(2, 16, 32).slice(3, 0, 16)));
}

TEST_CASE("rotator training: phases and the learning rate follow the supplement", "[rotator-training]") {
  const rt::PhasePlan rotator(rt::RotatorNetwork::kHalfResRotator, rt::PhasePlan::default_lengths(rt::RotatorNetwork::kHalfResRotator));
  CHECK(rotator.total_examples() == 9'500'000);
  CHECK(rotator.at(0).number == 1);
  CHECK(rotator.at(499'999).percept_weight == 0.0);
  CHECK(rotator.at(500'000).number == 2);
  CHECK(rotator.at(500'000).percept_weight == 0.2);
  CHECK(rotator.at(500'000).l1_weight == 1.0);
  CHECK(rotator.at(20'000'000).number == 2);
  CHECK_FALSE(rotator.at(20'000'000).coarse_inputs);
  const rt::PhasePlan editor(rt::RotatorNetwork::kEditor, rt::PhasePlan::default_lengths(rt::RotatorNetwork::kEditor));
  CHECK(editor.total_examples() == 18'500'000);
  CHECK(editor.at(9'499'999).number == 2);
  CHECK_FALSE(editor.at(9'499'999).coarse_inputs);
  CHECK(editor.at(9'500'000).number == 3);
  CHECK(editor.at(9'500'000).coarse_inputs);
  CHECK(editor.at(9'500'000).percept_weight == 0.2);
  CHECK_THAT(error_of([] { rt::PhasePlan(rt::RotatorNetwork::kEditor, {1, 2}); }), Contains("3 phases"));
  CHECK(rt::rotator_learning_rate(0) == 0.0);
  CHECK(rt::rotator_learning_rate(2'500) == Approx(5e-5));
  CHECK(rt::rotator_learning_rate(5'000) == Approx(1e-4));
  CHECK(rt::rotator_learning_rate(1'000'000) == Approx(1e-4));
}

TEST_CASE("rotator training: bad examples are named by line and file, and skipped only on request", "[rotator-training]") {
  ScratchDir dir("rotator-dataset");
  rt::write_synthetic_dataset(dir.path(), 16, 3, 1, 0);
  tha4::write_png(tha4::Rgba8Image(8, 8), dir.path() / "small.png");
  {
    std::ofstream csv(dir.path() / rt::kExamplesFile, std::ios::app);
    csv << "rest/character_0.png,absent.png,0,0,0,0,0,0\n"
        << "rest/character_0.png,small.png,0,0,0,0,0,0\n"
        << "rest/character_0.png,posed/example_0.png,0,nan,0,0,0,0\n"
        << "rest/character_0.png,posed/example_0.png,0,0\n";
  }
  const std::string message = error_of([&] { rt::RotatorDataset(dir.path(), 16, false); });
  CHECK_THAT(message, Contains("4 bad example(s)"));
  CHECK_THAT(message, Contains("line 5:"));
  CHECK_THAT(message, Contains("absent.png"));
  CHECK_THAT(message, Contains("line 6:"));
  CHECK_THAT(message, Contains("8x8"));
  CHECK_THAT(message, Contains("line 7: pose value 2"));
  CHECK_THAT(message, Contains("line 8: expected 8"));
  CHECK_THAT(message, Contains("--skip-bad-examples"));
  const rt::RotatorDataset dataset(dir.path(), 16, true);
  CHECK(dataset.size() == 3);
  CHECK(dataset.skipped().size() == 4);
  const rt::RotatorBatch batch = dataset.batch({0, 2}, torch::kCPU);
  CHECK(batch.rest.sizes() == torch::IntArrayRef({2, 4, 16, 16}));
  CHECK(batch.posed_half.sizes() == torch::IntArrayRef({2, 4, 8, 8}));
  CHECK(batch.pose.sizes() == torch::IntArrayRef({2, 6}));
  CHECK_THAT(error_of([&] { rt::RotatorDataset(dir.path() / "nowhere", 16, false); }), Contains("examples.csv"));
  CHECK_THAT(error_of([&] { rt::RotatorDataset(dir.path(), 32, true); }), Contains("no usable example"));
}

TEST_CASE("rotator training: a tiny rotator run lowers every loss term and switches phase on time", "[rotator-training]") {
  ScratchDir dir("rotator-run");
  rt::write_synthetic_dataset(dir.path() / "data", 64, 8, 2, 0);
  auto dataset = std::make_shared<const rt::RotatorDataset>(dir.path() / "data", 64, false);
  auto phi = std::make_shared<rt::PerceptualLoss>(rt::load_vgg16_features(write_random_vgg16(dir.path())));
  rt::BodyRotatorTask task(dataset, phi, tiny_task_settings(rt::RotatorNetwork::kHalfResRotator, {32, 288}));
  const rt::TrainingPhase phase2 = task.phases().at(32);
  torch::manual_seed(0);
  task.initialize_module();
  const std::vector<double> before = exact_terms(task, *dataset, phase2);

  const tha4::training::TrainingOptions options = tiny_run(dir.path() / "run", task.phases().total_examples(), 160, 80, 160);
  tha4::training::train(task, options);
  CHECK(task.prefetch_hits() == 79);  // every step of the 80 but the first was read ahead
  const std::vector<double> after = exact_terms(task, *dataset, phase2);
  const std::vector<std::string> names = task.loss_names();
  for (std::size_t i = 0; i < names.size(); ++i) {
    INFO(names[i] << ": " << before[i] << " -> " << after[i]);
    CHECK(after[i] < 0.9 * before[i]);
  }
  // The loss log: perceptual columns are nan for the steps of phase 1 (those starting before 32 examples).
  const tha4::training::LossTable log = tha4::training::read_loss_log(options.run_folder / tha4::training::kLossLogFile);
  const std::size_t examples = log.column("examples"), percept = log.column("percept_blended"), l1 = log.column("l1_blended");
  REQUIRE(log.rows.size() == 80);
  for (const auto& row : log.rows) {
    INFO("row at " << row[examples]);
    CHECK(std::isfinite(row[l1]));
    CHECK(std::isfinite(row[percept]) == (row[examples] > 32));
  }
  CHECK(fs::is_regular_file(tha4::training::sample_output_file(options.run_folder, 320)));
}

TEST_CASE("rotator training: a tiny editor run switches to the coarse inputs in phase 3 and lowers its terms",
          "[rotator-training]") {
  ScratchDir dir("editor-run");
  rt::write_synthetic_dataset(dir.path() / "data", 64, 8, 2, 0);
  auto dataset = std::make_shared<const rt::RotatorDataset>(dir.path() / "data", 64, false);
  auto phi = std::make_shared<rt::PerceptualLoss>(rt::load_vgg16_features(write_random_vgg16(dir.path())));
  torch::manual_seed(3);
  tha4::write_tensor_archive(dir.path() / "body_morpher.pt",
                             tha4::module_state_dict(*tha4::HalfResRotator(tiny_sizes().body_morpher)));
  rt::BodyRotatorTaskSettings settings = tiny_task_settings(rt::RotatorNetwork::kEditor, {8, 8, 160});
  CHECK_THAT(error_of([&] { rt::BodyRotatorTask(dataset, phi, settings); }), Contains("--rotator"));
  settings.coarse_rotator_weights = dir.path() / "body_morpher.pt";
  rt::BodyRotatorTask task(dataset, phi, settings);
  const rt::TrainingPhase phase3 = task.phases().at(16);
  REQUIRE(phase3.coarse_inputs);
  torch::manual_seed(0);
  task.initialize_module();
  const std::vector<double> before = exact_terms(task, *dataset, phase3);

  const tha4::training::TrainingOptions options =
      tiny_run(dir.path() / "run", task.phases().total_examples(), 88, 88, std::nullopt);
  tha4::training::train(task, options);
  const std::vector<double> after = exact_terms(task, *dataset, phase3);
  const std::vector<std::string> names = task.loss_names();
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (!std::isfinite(before[i])) continue;  // the full-size perceptual terms are not phase 3's
    INFO(names[i] << ": " << before[i] << " -> " << after[i]);
    CHECK(after[i] < 0.9 * before[i]);
  }
  const tha4::training::LossTable log = tha4::training::read_loss_log(options.run_folder / tha4::training::kLossLogFile);
  const std::size_t examples = log.column("examples"), percept = log.column("percept_direct"),
                    half = log.column("half_direct"), quad = log.column("quad_blended");
  for (const auto& row : log.rows) {
    const double seen = row[examples];
    INFO("row at " << seen);
    CHECK(std::isfinite(row[percept]) == (seen > 8 && seen <= 16));
    CHECK(std::isfinite(row[half]) == (seen > 16));
    CHECK(std::isfinite(row[quad]) == (seen > 16));
  }
}

TEST_CASE("rotator training: a run stopped and resumed ends with the weights of an uninterrupted run",
          "[rotator-training]") {
  ScratchDir dir("rotator-resume");
  rt::write_synthetic_dataset(dir.path() / "data", 64, 8, 2, 0);
  auto dataset = std::make_shared<const rt::RotatorDataset>(dir.path() / "data", 64, false);
  auto phi = std::make_shared<rt::PerceptualLoss>(rt::load_vgg16_features(write_random_vgg16(dir.path())));
  auto run = [&](const fs::path& folder, int64_t total) {
    rt::BodyRotatorTask task(dataset, phi, tiny_task_settings(rt::RotatorNetwork::kHalfResRotator, {8, 24}));
    tha4::training::train(task, tiny_run(folder, total, 16, 8, std::nullopt));
    return tha4::module_state_dict(task.module());
  };
  const auto whole = run(dir.path() / "whole", 32);
  run(dir.path() / "parts", 20);  // stops inside phase 2, between snapshots
  const auto resumed = run(dir.path() / "parts", 32);
  REQUIRE(whole.size() == resumed.size());
  for (std::size_t i = 0; i < whole.size(); ++i) {
    INFO(whole[i].name);
    CHECK(torch::equal(whole[i].tensor, resumed[i].tensor));
  }
}

TEST_CASE("rotator training: tha4 train writes weights that tha4 render --model full loads unchanged",
          "[rotator-training][cli]") {
  using tha4::test::run_cli;
  ScratchDir dir("train-cli");
  const fs::path teacher = dir.path() / "teacher";
  fs::create_directories(teacher);
  tha4::test::write_teacher_weight_folder(teacher);
  const std::string pipeline = tha4::test::teacher_pipeline_json().string();
  const std::string vgg = write_random_vgg16(dir.path()).string();
  const std::string data = (dir.path() / "data").string(), out = (dir.path() / "out").string();
  tha4::test::CliResult r = run_cli({"train", "synthetic-dataset", data, "--size", "512", "--examples", "2"});
  REQUIRE(r.exit_code == 0);

  // Input problems stop the run with a message before anything is written.
  ::unsetenv("THA4_VGG16");
  r = run_cli({"train", "rotator", "--dataset", data, "--out", out, "--full-config", pipeline});
  CHECK(r.exit_code != 0);
  CHECK_THAT(r.output, Contains("--vgg16"));
  r = run_cli({"train", "editor", "--dataset", data, "--vgg16", vgg, "--out", out, "--full-config", pipeline,
               "--phases", "1,1,1"});
  CHECK(r.exit_code != 0);
  CHECK_THAT(r.output, Contains("--rotator"));
  r = run_cli({"train", "rotator", "--dataset", data, "--vgg16", vgg, "--out", out, "--phases", "1,2,3"});
  CHECK(r.exit_code != 0);
  CHECK_THAT(r.output, Contains("2 phases"));
  CHECK_FALSE(fs::exists(out));

  r = run_cli({"train", "rotator", "--dataset", data, "--vgg16", vgg, "--out", out, "--full-config", pipeline,
               "--phases", "1,1", "--batch-size", "1", "--threads", "2"});
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK(fs::is_regular_file(fs::path(out) / "body_morpher" / "losses.png"));
  r = run_cli({"train", "editor", "--dataset", data, "--vgg16", vgg, "--out", out, "--full-config", pipeline,
               "--phases", "1,1,1", "--batch-size", "1", "--threads", "2", "--rotator", out + "/body_morpher.pt"});
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  for (const char* file : {"body_morpher.pt", "upscaler.pt"}) {
    fs::copy_file(fs::path(out) / file, teacher / file, fs::copy_options::overwrite_existing);
  }
  const fs::path image = dir.path() / "posed.png";
  r = run_cli({"render", "--model", "full", "--tha4-dir", teacher.string(), "--full-config", pipeline, "--image",
               (tha4::test::shared_images_dir() / "lambda_00.png").string(), "--pose", "body_z=0.5,head_x=0.3", "-o",
               image.string(), "--threads", "2"});
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK(tha4::read_rgba8_image(image).width == 512);
}

TEST_CASE("rotator training: two processes over Gloo train as one process with the combined batch",
          "[rotator-training][cli]") {
  using tha4::test::run_cli;
  ScratchDir dir("train-gloo");
  const std::string pipeline = tha4::test::teacher_pipeline_json().string();
  const std::string vgg = write_random_vgg16(dir.path()).string();
  const std::string data = (dir.path() / "data").string();
  REQUIRE(run_cli({"train", "synthetic-dataset", data, "--size", "512", "--examples", "4"}).exit_code == 0);
  // Exact perceptual terms: no coins, so both runs compute the same losses up to the order of the sums.
  auto train = [&](const std::string& name, const std::string& processes) {
    const fs::path out = dir.path() / name;
    const tha4::test::CliResult r =
        run_cli({"train", "rotator", "--dataset", data, "--vgg16", vgg, "--out", out.string(), "--full-config",
                 pipeline, "--phases", "2,2", "--batch-size", "2", "--exact-perceptual", "--learning-rate", "1e-3",
                 "--warm-up", "0", "--gpus", processes, "--threads", "1"});
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    return tha4::training::read_loss_log(out / "body_morpher" / tha4::training::kLossLogFile);
  };
  const tha4::training::LossTable one = train("one", "1");
  const tha4::training::LossTable two = train("two", "2");
  // Every term of every step (phase 1, then phase 2 with the perceptual terms) agrees: the ranks split the
  // batch as one process takes it, and the averaged gradients make the same updates. (The weights themselves
  // are not compared element by element: GroupNorm cancels each conv0 bias exactly, so its gradient is
  // rounding noise, which Adam's normalisation turns into steps of ±lr that differ between any two runs
  // summing in another order, without changing any output.)
  REQUIRE(one.rows.size() == 2);
  REQUIRE(two.rows.size() == 2);
  const std::size_t seconds = one.column("seconds");
  for (std::size_t row = 0; row < one.rows.size(); ++row) {
    for (std::size_t c = 0; c < one.columns.size(); ++c) {
      if (c == seconds || std::isnan(one.rows[row][c])) continue;
      INFO("step " << row + 1 << " " << one.columns[c]);
      CHECK(two.rows[row][c] == Approx(one.rows[row][c]).epsilon(1e-4));
    }
  }
  // The steps did change the loss.
  CHECK(one.rows[1][one.column("l1_blended")] < one.rows[0][one.column("l1_blended")]);
}

TEST_CASE("rotator training: a prefetched batch is the batch read directly, and a wrong guess is read again",
          "[rotator-training]") {
  ScratchDir dir("rotator-prefetch");
  rt::write_synthetic_dataset(dir.path() / "data", 64, 6, 2, 0);
  auto dataset = std::make_shared<const rt::RotatorDataset>(dir.path() / "data", 64, false);
  auto phi = std::make_shared<rt::PerceptualLoss>(rt::load_vgg16_features(write_random_vgg16(dir.path())));
  rt::BodyRotatorTask task(dataset, phi, tiny_task_settings(rt::RotatorNetwork::kHalfResRotator, {8, 8}));
  torch::manual_seed(0);
  task.initialize_module();
  task.module().eval();  // no dropout: the same examples give the same loss
  torch::NoGradGuard no_grad;
  const double direct = task.loss({1, 4}, 0).total.item<double>();
  const double other = task.loss({5, 3}, 0).total.item<double>();
  CHECK(task.prefetch_hits() == 0);
  // The loop's order: the next step is named before this step's loss(), so two reads can be pending.
  task.prefetch({1, 4});
  task.prefetch({5, 3});
  CHECK(task.loss({1, 4}, 0).total.item<double>() == direct);
  CHECK(task.prefetch_hits() == 1);
  CHECK(task.loss({5, 3}, 0).total.item<double>() == other);
  CHECK(task.prefetch_hits() == 2);
  task.prefetch({0, 2});  // the next step asks for other examples: they are read then
  CHECK(task.loss({1, 4}, 0).total.item<double>() == direct);
  CHECK(task.prefetch_hits() == 2);
  const rt::DecodedExamples read = dataset->read({5, 3});
  const rt::RotatorBatch batch = dataset->batch({5, 3}, torch::kCPU);
  CHECK(torch::equal(dataset->to_batch(read, torch::kCPU).posed_half, batch.posed_half));
}
