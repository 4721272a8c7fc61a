// Training the improved body rotator (seed supplement §1–2), its loss: VGG16 loading, every loss term against a
// hand or direct computation, the stochastic perceptual estimate's expectation, and the phases.
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
#include "tests/rotator_training_fixtures.h"
#include "tests/test_support.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>

namespace rt = tha4::rotator_training;
namespace fs = std::filesystem;
using Catch::Matchers::Contains;
using tha4::test::ScratchDir;
using tha4::test::error_of;
using namespace tha4::test::rotator_training;

TEST_CASE("rotator training: VGG16 weights load strictly, with a clear error for any other file",
          "[rotator-training]") {
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

TEST_CASE("rotator training: the perceptual loss equals a direct computation from the weight file",
          "[rotator-training]") {
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
      return alpha ? torch::cat({x.select(1, 3).unsqueeze(1), x.select(1, 3).unsqueeze(1), x.select(1, 3).unsqueeze(1)},
                                1)
                   : x.slice(1, 0, 3);
    };
    const auto fa = features(normalised(view(a))), fb = features(normalised(view(b)));
    for (std::size_t i = 0; i < 3; ++i)
      direct += (fa[i] - fb[i]).abs().sum().item<double>() / static_cast<double>(fa[i].numel());
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
    return F::interpolate(
        x, F::InterpolateFuncOptions().size(std::vector<int64_t>{16, 16}).mode(torch::kBilinear).align_corners(false));
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
  const rt::PhasePlan rotator(rt::RotatorNetwork::kHalfResRotator,
                              rt::PhasePlan::default_lengths(rt::RotatorNetwork::kHalfResRotator));
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
