// The fast CPU engine: its pieces on random data, and its pictures against the reference engine.
#include "inference/fast/cpu_features.h"
#include "inference/fast/fast_student_engine.h"
#include "inference/fast/kernels.h"
#include "inference/fast/packed_student.h"
#include "inference/fast/resample.h"
#include "inference/image/display.h"
#include "inference/student/reference_engine.h"
#include "inference/util/errors.h"
#include "tests/test_support.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <cstdio>
#include <memory>
#include <random>

using namespace tha4;
using namespace tha4::fast;
namespace F = torch::nn::functional;

namespace {

std::vector<float> random_vector(std::size_t n, float lo, float hi, std::mt19937& rng) {
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

std::shared_ptr<CharacterModel> load_model(const char* name) {
  return std::make_shared<CharacterModel>(load_character_model(tha4::test::models_dir() / name));
}

// Largest |pre-activation| a sine layer can see: |bias| + Σ|w| (its inputs are sines in [-1, 1]).
float sine_input_bound(const PackedLinear& layer) {
  float bound = 0.0f;
  for (int o = 0; o < layer.out_padded; ++o) {
    float sum = std::abs(layer.bias[o]);
    for (int c = 0; c < layer.in; ++c)
      sum += std::abs(layer.weights[(o / kOutBlock * layer.in + c) * kOutBlock + o % kOutBlock]);
    bound = std::max(bound, sum);
  }
  return bound;
}

float first_layer_bound(const FoldedFirstLayer& first, float feature_bound) {
  float bound = 0.0f;
  for (int o = 0; o < first.out_padded; ++o) {
    float sum = std::abs(first.bias[o]) + std::abs(first.wx[o]) + std::abs(first.wy[o]) + feature_bound;
    for (int k = 0; k < first.pose_size; ++k) sum += std::abs(first.pose_weights[o * first.pose_size + k]);
    bound = std::max(bound, sum);
  }
  return bound;
}

// The poses of the quality test: rest, every group at its extremes, and seeded random poses.
std::vector<std::pair<std::string, Pose>> quality_poses() {
  std::vector<std::pair<std::string, Pose>> poses{{"rest", rest_pose()}};
  for (PoseGroup group :
       {PoseGroup::kEyebrow, PoseGroup::kEye, PoseGroup::kIrisMorph, PoseGroup::kMouth, PoseGroup::kIrisRotation,
        PoseGroup::kFaceRotation, PoseGroup::kBodyRotation, PoseGroup::kBreathing}) {
    for (bool at_max : {true, false}) {
      Pose pose = rest_pose();
      for (const auto& p : pose_parameters()) {
        if (p.group == group) pose[p.index] = at_max ? p.max : p.min;
      }
      if (pose == rest_pose()) continue;  // morph groups at their minimum are the rest pose
      poses.emplace_back(std::string(pose_group_name(group)) + (at_max ? " max" : " min"), pose);
    }
  }
  std::mt19937 rng(2024);
  for (int i = 0; i < 6; ++i) {
    Pose pose = rest_pose();
    for (const auto& p : pose_parameters()) {
      const bool rotation = p.min < 0.0f;
      if (rotation || rng() % 3 == 0) pose[p.index] = std::uniform_real_distribution<float>(p.min, p.max)(rng);
    }
    poses.emplace_back("random " + std::to_string(i), pose);
  }
  return poses;
}

}  // namespace

TEST_CASE("fast engine: vector sine matches std::sin over the network's whole input range", "[fast]") {
  // The range: the largest pre-activation any sine layer of either real model can produce.
  float bound = 0.0f;
  for (const char* name : {"lambda_00", "lambda_01"}) {
    auto model = load_model(name);
    const PackedFaceMorpher face = pack_face_morpher(*model->face_morpher);
    const PackedBodyMorpher body = pack_body_morpher(*model->body_morpher);
    bound = std::max(bound, first_layer_bound(face.siren.first, 0.0f));
    for (const auto& layer : face.siren.rest) bound = std::max(bound, sine_input_bound(layer));
    for (const auto& level : body.levels) {
      bound =
          std::max(bound, first_layer_bound(level.first, level.feature.in ? sine_input_bound(level.feature) : 0.0f));
      for (const auto& layer : level.rest) bound = std::max(bound, sine_input_bound(layer));
    }
  }
  REQUIRE(bound > 10.0f);
  std::vector<float> inputs;
  const int steps = 2000003;
  for (int i = 0; i < steps; ++i) inputs.push_back(-bound + 2.0f * bound * static_cast<float>(i) / (steps - 1));
  for (const Kernels* kernels : supported_kernels()) {
    std::vector<float> values = inputs;
    kernels->sine(values.data(), values.size());
    double worst = 0.0;
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      worst = std::max(worst, std::abs(static_cast<double>(values[i]) - std::sin(static_cast<double>(inputs[i]))));
    }
    std::printf("fast sine (%s): max |sin_fast(x) - sin(x)| = %.3g over |x| <= %.1f\n", kernels->name, worst, bound);
    INFO(kernels->name << " over |x| <= " << bound);
    CHECK(worst < 2e-6);
  }
}

TEST_CASE("fast engine: every kernel set equals a plain double computation on odd sizes", "[fast]") {
  std::mt19937 rng(11);
  for (const Kernels* kernels : supported_kernels()) {
    for (int pixels : {1, 7, 16, 33, 100, 128}) {
      for (bool sine : {false, true}) {
        const int in = 45, out = 13, out_padded = 16;
        const std::size_t ldx = pixels + 3, ldy = pixels + 5;
        const auto w = random_vector(static_cast<std::size_t>(out) * in, -0.2f, 0.2f, rng);
        auto bias = random_vector(out_padded, -1.0f, 1.0f, rng);
        const auto x = random_vector(in * ldx, -1.0f, 1.0f, rng);
        const torch::Tensor weight = torch::from_blob(const_cast<float*>(w.data()), {out, in, 1, 1}).clone();
        const PackedLinear packed =
            pack_linear(weight, torch::from_blob(bias.data(), {out}).clone(), 1.0f, 0, in, in, true);
        std::vector<float> y(out_padded * ldy, 99.0f);
        kernels->linear(packed.weights.data(), packed.bias.data(), in, out_padded, x.data(), ldx, y.data(), ldy, pixels,
                        sine);
        double worst = 0.0;
        for (int o = 0; o < out_padded; ++o) {
          for (int p = 0; p < pixels; ++p) {
            double expected = o < out ? bias[o] : 0.0;
            for (int c = 0; c < in && o < out; ++c) expected += static_cast<double>(w[o * in + c]) * x[c * ldx + p];
            if (sine) expected = std::sin(expected);
            worst = std::max(worst, std::abs(expected - y[o * ldy + p]));
          }
          for (std::size_t p = pixels; p < ldy; ++p) CHECK(y[o * ldy + p] == 99.0f);  // nothing past the row
        }
        INFO(kernels->name << " pixels " << pixels << " sine " << sine);
        CHECK(worst < 1e-5);
      }
    }
  }
}

TEST_CASE("fast engine: the first-layer fold equals the unfolded layer", "[fast]") {
  // A random first layer of the body's level 1: [features (180), x, y, pose (45)] -> 180, through
  // torch (cat + 1×1 conv, ×30, sin) and through the fold (frame bias + row bias + wx·x + features).
  torch::manual_seed(3);
  SineLinearLayer layer(180 + 47, 180);
  const int size = 16;
  const torch::Tensor pose = torch::rand({1, 45});
  const torch::Tensor features = torch::rand({1, 180, size, size}) * 2 - 1;
  const torch::Tensor input = torch::cat({features, position_grid(1, size, torch::kCPU), pose_image(pose, size)}, 1);
  const torch::Tensor expected = layer->forward(input).detach();

  FoldedFirstLayer folded;
  {
    SirenBodyMorpher body(SirenBodyMorpherConfig{512, 4, 45, {{8, 16, 2}, {size, 180, 2}, {32, 8, 2}}});
    auto& first = *body->siren_layers[1]->as<torch::nn::Sequential>()->ptr(0)->as<SineLinearLayerImpl>();
    torch::NoGradGuard no_grad;
    first.linear->weight.copy_(layer->linear->weight);
    first.linear->bias.copy_(layer->linear->bias);
    const PackedBodyMorpher packed = pack_body_morpher(*body);
    folded = packed.levels[1].first;
    // Feature columns applied separately (as the engine does at the lower resolution).
    std::vector<float> feature(static_cast<std::size_t>(folded.out_padded) * size * size);
    const torch::Tensor f = features.contiguous();
    const PackedLinear& fw = packed.levels[1].feature;
    std::vector<float> x(static_cast<std::size_t>(fw.in) * size * size, 0.0f);
    std::copy_n(f.data_ptr<float>(), f.numel(), x.begin());
    generic_kernels().linear(fw.weights.data(), fw.bias.data(), fw.in, fw.out_padded, x.data(), size * size,
                             feature.data(), size * size, size * size, false);
    std::vector<float> frame_bias(folded.out_padded);
    folded.frame_bias(pose.data_ptr<float>(), frame_bias.data());
    const std::vector<float>& grid = packed.levels[1].grid;
    double worst = 0.0;
    for (int row = 0; row < size; ++row) {
      std::vector<float> row_bias(folded.out_padded), out(static_cast<std::size_t>(folded.out_padded) * size);
      for (int o = 0; o < folded.out_padded; ++o) row_bias[o] = frame_bias[o] + folded.wy[o] * grid[row];
      best_kernels().first_layer(row_bias.data(), folded.wx.data(), grid.data(), feature.data() + row * size,
                                 size * size, folded.out_padded, out.data(), size, size);
      for (int o = 0; o < 180; ++o) {
        for (int p = 0; p < size; ++p)
          worst = std::max(worst, std::abs(double(out[o * size + p]) - expected[0][o][row][p].item<double>()));
      }
    }
    std::printf("fast fold: max |folded - unfolded| first layer = %.3g\n", worst);
    CHECK(worst < 2e-4);
  }
}

TEST_CASE("fast engine: upsampling commutes with a linear map and matches interpolate", "[fast]") {
  torch::manual_seed(5);
  const torch::Tensor x = torch::rand({1, 12, 32, 32}) * 2 - 1;
  const torch::Tensor w = torch::rand({7, 12, 1, 1}) - 0.5;
  const auto up =
      F::InterpolateFuncOptions().size(std::vector<int64_t>{64, 64}).mode(torch::kBilinear).align_corners(false);
  const torch::Tensor a = F::interpolate(F::conv2d(x, w), up);
  const torch::Tensor b = F::conv2d(F::interpolate(x, up), w);
  CHECK((a - b).abs().max().item<double>() < 1e-5);

  // Our row-wise upsampling against LibTorch's.
  const torch::Tensor planes = x[0].contiguous();
  const std::vector<Tap> taps = bilinear_taps(32, 64);
  std::vector<float> scratch(12 * 32), row(12 * 64);
  const torch::Tensor expected = F::interpolate(x, up)[0];
  double worst = 0.0;
  for (int r = 0; r < 64; ++r) {
    upsample_row(planes.data_ptr<float>(), 32 * 32, 12, 32, taps[r], taps.data(), 64, scratch.data(), row.data(), 64);
    for (int c = 0; c < 12; ++c) {
      for (int p = 0; p < 64; ++p)
        worst = std::max(worst, std::abs(double(row[c * 64 + p]) - expected[c][r][p].item<double>()));
    }
  }
  CHECK(worst < 1e-6);
}

TEST_CASE("fast engine: every kernel set upsamples a row to the same bits as the portable code", "[fast]") {
  torch::manual_seed(6);
  // 2× at the student's sizes (the vector path), and a ratio that takes the portable fallback.
  for (const auto& [in_size, out_size] :
       {std::pair{128, 256}, std::pair{256, 512}, std::pair{24, 48}, std::pair{20, 47}}) {
    const int channels = 5;
    const torch::Tensor planes = torch::rand({channels, in_size, in_size}) * 2 - 1;
    const std::vector<Tap> taps = bilinear_taps(in_size, out_size);
    std::vector<float> scratch(static_cast<std::size_t>(channels) * in_size);
    std::vector<float> expected(static_cast<std::size_t>(channels) * out_size), row(expected.size());
    for (const Kernels* kernels : supported_kernels()) {
      bool same = true;
      for (int r = 0; r < out_size; ++r) {
        upsample_row(planes.data_ptr<float>(), in_size * in_size, channels, in_size, taps[r], taps.data(), out_size,
                     scratch.data(), expected.data(), out_size);
        kernels->upsample_row(planes.data_ptr<float>(), in_size * in_size, channels, in_size, taps[r], taps.data(),
                              out_size, scratch.data(), row.data(), out_size);
        same = same && std::memcmp(expected.data(), row.data(), expected.size() * sizeof(float)) == 0;
      }
      INFO(kernels->name << ": " << in_size << " -> " << out_size);
      CHECK(same);
    }
  }
}

TEST_CASE("fast engine: the warp matches grid_sample with border padding", "[fast]") {
  torch::manual_seed(9);
  const int size = 24;
  const torch::Tensor image = torch::rand({1, 4, size, size}) * 2 - 1;
  const torch::Tensor delta = (torch::rand({1, 2, size, size}) - 0.5) * 0.8;  // reaches past the border
  const torch::Tensor expected = warp_image(image, delta)[0];
  const torch::Tensor grid = position_grid(1, size, torch::kCPU)[0][0][0].contiguous();
  const torch::Tensor d = delta[0].contiguous();
  std::vector<float> out(4 * size);
  double worst = 0.0;
  for (int r = 0; r < size; ++r) {
    warp_row(image[0].contiguous().data_ptr<float>(), size, grid.data_ptr<float>(), grid[r].item<float>(),
             d[0][r].data_ptr<float>(), d[1][r].data_ptr<float>(), out.data(), size);
    for (int c = 0; c < 4; ++c) {
      for (int p = 0; p < size; ++p)
        worst = std::max(worst, std::abs(double(out[c * size + p]) - expected[c][r][p].item<double>()));
    }
  }
  CHECK(worst < 1e-5);
}

TEST_CASE("fast engine: 1 to 4 threads and every kernel set give the same frame", "[fast]") {
  auto model = load_model("lambda_01");
  Pose pose = parse_pose("head_x=0.7,head_y=-0.4,body_z=0.5,mouth_ooo=1,eye_wink_right=1,breathing=0.5").pose;
  const StudentOutputs one = FastStudentEngine(model, 1).run(pose);
  for (int threads = 2; threads <= 4; ++threads) {
    const StudentOutputs many = FastStudentEngine(model, threads).run(pose);
    INFO(threads << " threads");
    for (int i = 0; i < kStudentOutputCount; ++i) CHECK(torch::equal(one.tensors[i], many.tensors[i]));
  }
  for (const Kernels* kernels : supported_kernels()) {
    const StudentOutputs other = FastStudentEngine(model, 2, kernels).run(pose);
    INFO(kernels->name);
    CHECK((other.blended() - one.blended()).abs().max().item<double>() < 2e-3);
  }
}

TEST_CASE("fast engine: pose caches return the same pictures as a fresh engine", "[fast]") {
  auto model = load_model("lambda_00");
  FastStudentEngine engine(model, 2);
  const Pose a = parse_pose("mouth_aaa=1,head_x=0.3").pose;
  const Pose b = parse_pose("mouth_aaa=1,head_x=-0.6,body_y=0.4").pose;  // same face pose, other body pose
  const StudentOutputs first = engine.run(a);
  const StudentOutputs again = engine.run(a);
  CHECK(again.blended().data_ptr() == first.blended().data_ptr());  // answered from the frame cache
  const StudentOutputs moved = engine.run(b);
  CHECK(moved[StudentOutput::kFace].data_ptr() == first[StudentOutput::kFace].data_ptr());  // face morpher skipped
  const StudentOutputs fresh = FastStudentEngine(model, 2).run(b);
  for (int i = 0; i < kStudentOutputCount; ++i) CHECK(torch::equal(moved.tensors[i], fresh.tensors[i]));
  Pose bad = a;
  bad[3] = std::nanf("");
  CHECK_THROWS_AS(engine.run(bad), PoseError);
}

// The quality bars of every kernel set this CPU can run (the widest, and each lower one forced), on
// both characters: PSNR ≥ 45 dB, ≥ 99.5 % of pixels within 2/255 in every channel, no byte off by more than 12.
TEST_CASE("fast engine: pictures match the reference engine (PSNR, display bytes)", "[fast][quality]") {
  torch::set_num_threads(2);
  const auto all_poses = quality_poses();
  REQUIRE(all_poses.size() >= 16);
  // Every group at both ends on the first character; the second (same kernels, other weights) gets the rest
  // pose and the random poses, which move every group at once, so the reference engine's slow runs stay few.
  std::vector<std::pair<std::string, Pose>> mixed_poses;
  for (const auto& entry : all_poses) {
    if (entry.first == "rest" || entry.first.rfind("random", 0) == 0) mixed_poses.push_back(entry);
  }
  const std::vector<const Kernels*> kernel_sets = supported_kernels();
  for (const char* name : {"lambda_00", "lambda_01"}) {
    const auto& poses = std::string(name) == "lambda_00" ? all_poses : mixed_poses;
    auto model = load_model(name);
    ReferenceStudentEngine reference(model);
    std::vector<std::unique_ptr<FastStudentEngine>> engines;
    for (const Kernels* kernels : kernel_sets)
      engines.push_back(std::make_unique<FastStudentEngine>(model, 2, kernels));
    std::vector<double> worst_psnr(engines.size(), 1e9), worst_within(engines.size(), 1.0);
    std::vector<int> worst_byte(engines.size(), 0);
    for (const auto& [label, pose] : poses) {
      const StudentOutputs ref = reference.run(pose);
      const Rgba8Image a = image_tensor_to_rgba8(ref.blended(), DisplayPath::kReferenceRound);
      for (std::size_t k = 0; k < engines.size(); ++k) {
        const StudentOutputs out = engines[k]->run(pose);
        const double mse = (out.blended() - ref.blended()).pow(2).mean().item<double>();
        const double psnr = 10.0 * std::log10(4.0 / std::max(mse, 1e-30));  // peak-to-peak 2 in [-1, 1]
        const Rgba8Image b = image_tensor_to_rgba8(out.blended(), DisplayPath::kReferenceRound);
        std::size_t within = 0;
        int max_byte = 0;
        for (std::size_t px = 0; px < a.pixels.size() / 4; ++px) {
          int d = 0;
          for (int c = 0; c < 4; ++c) d = std::max(d, std::abs(a.pixels[px * 4 + c] - b.pixels[px * 4 + c]));
          within += d <= 2;
          max_byte = std::max(max_byte, d);
        }
        const double fraction = static_cast<double>(within) / (a.pixels.size() / 4);
        worst_psnr[k] = std::min(worst_psnr[k], psnr);
        worst_within[k] = std::min(worst_within[k], fraction);
        worst_byte[k] = std::max(worst_byte[k], max_byte);
        INFO(name << " kernels " << kernel_sets[k]->name << " pose '" << label << "': PSNR " << psnr << " dB, "
                  << 100 * fraction << "% within 2/255, max " << max_byte);
        CHECK(psnr >= 45.0);
        CHECK(fraction >= 0.995);
        CHECK(max_byte <= 12);
      }
    }
    for (std::size_t k = 0; k < engines.size(); ++k) {
      std::printf(
          "fast (%s kernels) vs reference %s over %zu poses: min PSNR %.1f dB, min %.3f%% of pixels within "
          "2/255, max byte diff %d\n",
          kernel_sets[k]->name, name, poses.size(), worst_psnr[k], 100 * worst_within[k], worst_byte[k]);
    }
  }
}
