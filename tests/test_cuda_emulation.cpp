// The CUDA kernels' arithmetic, checked on the CPU through their emulation (inference/cuda/kernel_emulation.h):
// the shared fast sine and fp16 rounding, and the two precision modes against the fast CPU engine and the
// reference engine on the real models. Runs without a GPU.
#include "inference/cuda/gpu_layout.h"
#include "inference/cuda/kernel_emulation.h"
#include "inference/cuda/kernel_math.h"
#include "inference/fast/fast_student_engine.h"
#include "inference/fast/kernels.h"
#include "inference/image/display.h"
#include "inference/student/reference_engine.h"
#include "tests/test_support.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>

using namespace tha4;

namespace {

std::shared_ptr<CharacterModel> load_model(const char* name) {
  return std::make_shared<CharacterModel>(load_character_model(tha4::test::models_dir() / name));
}

gpu::GpuNetworks layout(CharacterModel& model) {
  return gpu::layout_networks(fast::pack_face_morpher(*model.face_morpher),
                              fast::pack_body_morpher(*model.body_morpher));
}

std::vector<float> planar_image(const CharacterModel& model) {
  const torch::Tensor image = model.image.to(torch::kCPU).contiguous();
  return {image.data_ptr<float>(), image.data_ptr<float>() + image.numel()};
}

struct Difference {
  double max_abs = 0.0;
  double psnr = 0.0;  // peak-to-peak 2 (values in [-1, 1]), as the fast engine's test
};

// Rows [row_begin, row_end) of a (1, C, S, S) tensor against a band [C][rows][S].
Difference compare_band(const torch::Tensor& full, const std::vector<float>& band, int row_begin, int row_end) {
  const torch::Tensor t = full.to(torch::kCPU).contiguous();
  const int channels = static_cast<int>(t.size(1));
  const int size = static_cast<int>(t.size(3));
  const int rows = row_end - row_begin;
  const float* data = t.data_ptr<float>();
  double sum = 0.0, worst = 0.0;
  for (int c = 0; c < channels; ++c) {
    for (int r = 0; r < rows; ++r) {
      for (int x = 0; x < size; ++x) {
        const double d = static_cast<double>(band[(static_cast<std::size_t>(c) * rows + r) * size + x]) -
                         data[(static_cast<std::size_t>(c) * size + row_begin + r) * size + x];
        sum += d * d;
        worst = std::max(worst, std::abs(d));
      }
    }
  }
  const double mse = sum / (static_cast<double>(channels) * rows * size);
  return {worst, 10.0 * std::log10(4.0 / std::max(mse, 1e-30))};
}

Difference compare_full(const torch::Tensor& full, const std::vector<float>& planes) {
  return compare_band(full, planes, 0, static_cast<int>(full.size(2)));
}

// A pose that moves the head, the eyes, the mouth and the body: every network input matters.
Pose test_pose() {
  return parse_pose(
             "head_x=0.7,head_y=-0.4,neck_z=0.3,body_y=0.5,body_z=-0.4,mouth_aaa=0.8,eye_wink_left=1,iris_rotation_x=0."
             "4,breathing=0.6")
      .pose;
}

// The tests emulate whole frames (emulate_frame can also do a band of rows, as the GPU test does).
constexpr int kImageSize = 512;

}  // namespace

TEST_CASE("cuda emulation: software fp16 rounding equals the compiler's binary16 conversion", "[cuda]") {
#if defined(__FLT16_MAX__)
  std::size_t mismatches = 0;
  for (std::uint64_t bits = 0; bits <= 0xffffffffull; bits += 4093) {
    const auto b = static_cast<std::uint32_t>(bits);
    float f = 0.0f;
    std::memcpy(&f, &b, sizeof f);
    if (std::isnan(f)) continue;
    const _Float16 h = static_cast<_Float16>(f);
    std::uint16_t expected = 0;
    std::memcpy(&expected, &h, sizeof expected);
    mismatches += gpu::half_bits(f) != expected;
    mismatches += gpu::half_to_float(expected) != static_cast<float>(h);
  }
  CHECK(mismatches == 0);
#endif
  // Ties round to even, the overflow threshold and the subnormal range, by hand.
  CHECK(gpu::round_to_half(1.0f + 1.0f / 2048.0f) == 1.0f);
  CHECK(gpu::round_to_half(1.0f + 3.0f / 2048.0f) == 1.0f + 4.0f / 2048.0f);
  CHECK(gpu::round_to_half(65504.0f) == 65504.0f);
  CHECK(std::isinf(gpu::round_to_half(65520.0f)));
  CHECK(gpu::round_to_half(65519.0f) == 65504.0f);
  CHECK(gpu::round_to_half(3.0f * 5.9604644775390625e-8f / 2.0f) == 2.0f * 5.9604644775390625e-8f);
}

TEST_CASE("cuda emulation: fast sine error over the models' pre-activation range", "[cuda]") {
  // |x| ≤ 370.4 bounds every sine layer's pre-activation of both real models (the fast engine's test).
  const float bound = 370.4f;
  const int steps = 2000003;
  std::vector<float> cpu(steps);
  double worst = 0.0;
  for (int i = 0; i < steps; ++i) {
    const float x = -bound + 2.0f * bound * static_cast<float>(i) / (steps - 1);
    cpu[i] = x;
    worst = std::max(worst, std::abs(static_cast<double>(gpu::fast_sin(x)) - std::sin(static_cast<double>(x))));
  }
  std::printf("cuda fast sine: max |sin_fast(x) - sin(x)| = %.3g over |x| <= %.1f\n", worst, bound);
  CHECK(worst < 2e-6);
  // The same function as the CPU engine's generic kernels, bit for bit.
  std::vector<float> expected = cpu;
  fast::generic_kernels().sine(expected.data(), expected.size());
  std::size_t differ = 0;
  for (int i = 0; i < steps; ++i) differ += gpu::fast_sin(cpu[i]) != expected[i];
  CHECK(differ == 0);
}

TEST_CASE("cuda emulation: quality mode equals the fast CPU engine's generic kernels", "[cuda]") {
  torch::set_num_threads(2);
  auto model = load_model("lambda_00");
  const Pose pose = test_pose();
  const gpu::GpuNetworks networks = layout(*model);
  const std::vector<float> image = planar_image(*model);
  const gpu::EmulatedFrame emulated =
      gpu::emulate_frame(networks, image.data(), pose, gpu::Precision::kQuality, 0, kImageSize);
  const StudentOutputs fast_out = fast::FastStudentEngine(model, 2, &fast::generic_kernels()).run(pose);
  const Difference face = compare_full(fast_out[StudentOutput::kFace], emulated.face);
  const Difference blended = compare_full(fast_out.blended(), emulated.blended);
  std::printf("cuda emulation quality vs fast engine (generic): face max |d| %.3g, blended max |d| %.3g\n",
              face.max_abs, blended.max_abs);
  CHECK(face.max_abs == 0.0);
  CHECK(blended.max_abs == 0.0);
}

TEST_CASE("cuda emulation: quality and balanced modes against the reference engine", "[cuda][quality]") {
  torch::set_num_threads(2);
  auto model = load_model("lambda_01");
  const Pose pose = test_pose();
  const gpu::GpuNetworks networks = layout(*model);
  const std::vector<float> image = planar_image(*model);
  const StudentOutputs reference = ReferenceStudentEngine(model).run(pose);
  for (const gpu::Precision precision : {gpu::Precision::kQuality, gpu::Precision::kBalanced}) {
    // The whole frame: every level in full.
    const gpu::EmulatedFrame emulated = gpu::emulate_frame(networks, image.data(), pose, precision, 0, kImageSize);
    const Difference face = compare_full(reference[StudentOutput::kFace], emulated.face);
    const Difference blended = compare_full(reference.blended(), emulated.blended);
    const char* mode = precision == gpu::Precision::kQuality ? "quality" : "balanced";
    std::printf(
        "cuda emulation %s vs reference: face PSNR %.1f dB (max |d| %.3g), blended PSNR %.1f dB (max |d| %.3g)\n", mode,
        face.psnr, face.max_abs, blended.psnr, blended.max_abs);
    INFO(mode);
    CHECK(face.psnr >= (precision == gpu::Precision::kQuality ? 60.0 : 40.0));
    CHECK(blended.psnr >= (precision == gpu::Precision::kQuality ? 60.0 : 40.0));
  }
}

TEST_CASE("cuda emulation: the GPU's texture conversion equals the premultiplied display path", "[cuda]") {
  // The RGBA8 kernel runs premultiplied_rgba8 per pixel; on the CPU it must give exactly the bytes the OBS
  // source uploads from the CPU engines (DisplayPath::kPremultiplied), edge pixels and all.
  auto model = load_model("lambda_00");
  fast::FastStudentEngine engine(model, 2);
  const torch::Tensor blended =
      engine.run(parse_pose("head_y=0.7, mouth_aaa=1, eye_wink_left=1").pose).blended().contiguous();
  const Rgba8Image expected = image_tensor_to_rgba8(blended, DisplayPath::kPremultiplied);
  const int plane = expected.width * expected.height;
  const float* planar = blended.data_ptr<float>();
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(plane) * 4);
  for (int pixel = 0; pixel < plane; ++pixel) gpu::premultiplied_rgba8(planar, plane, pixel, &bytes[pixel * 4]);
  std::size_t differing = 0;
  for (std::size_t i = 0; i < bytes.size(); ++i) differing += bytes[i] != expected.pixels[i];
  CHECK(differing == 0);
  // A pixel whose alpha rounds to 0 carries no colour, even where the network leaves some.
  const float transparent[4] = {-0.99f, -0.99f, -0.99f, -0.999f};  // linear colour 0.005, alpha 0.0005
  std::uint8_t out[4];
  gpu::premultiplied_rgba8(transparent, 1, 0, out);
  CHECK((out[0] | out[1] | out[2] | out[3]) == 0);
}
