// The CUDA engine on a GPU (built only with THA4_CUDA; run by scripts/gpu-check.sh): quality against the
// fast CPU engine, balanced against its CPU emulation and the reference engine, the pose caches, and the
// device frame ring that carries frames to OBS's texture.
#include "inference/cuda/cuda_student_engine.h"
#include "inference/cuda/device_frame_ring.h"
#include "inference/cuda/gpu_layout.h"
#include "inference/cuda/kernel_emulation.h"
#include "inference/fast/fast_student_engine.h"
#include "inference/fast/kernels.h"
#include "inference/student/reference_engine.h"
#include "inference/util/errors.h"
#include "tests/test_support.h"

#include <catch2/catch.hpp>

#include <cuda_runtime.h>

#include <cmath>
#include <cstdio>

using namespace tha4;

namespace {

std::shared_ptr<CharacterModel> load_model(const char* name) {
  return std::make_shared<CharacterModel>(load_character_model(tha4::test::models_dir() / name));
}

std::vector<float> planar(const torch::Tensor& t) {
  const torch::Tensor c = t.to(torch::kCPU).contiguous();
  return {c.data_ptr<float>(), c.data_ptr<float>() + c.numel()};
}

std::unique_ptr<gpu::CudaStudentEngine> make_engine(CharacterModel& model, gpu::Precision precision,
                                                    bool debug = false) {
  const std::vector<float> image = planar(model.image);
  return std::make_unique<gpu::CudaStudentEngine>(fast::pack_face_morpher(*model.face_morpher),
                                                  fast::pack_body_morpher(*model.body_morpher), image.data(), precision,
                                                  0, debug);
}

struct Difference {
  double max_abs = 0.0;
  double psnr = 0.0;
};

Difference compare(const std::vector<float>& a, const std::vector<float>& b, std::size_t offset_a = 0,
                   std::size_t count = 0) {
  if (count == 0) count = b.size();
  double sum = 0.0, worst = 0.0;
  for (std::size_t i = 0; i < count; ++i) {
    const double d = static_cast<double>(a[offset_a + i]) - b[i];
    sum += d * d;
    worst = std::max(worst, std::abs(d));
  }
  return {worst, 10.0 * std::log10(4.0 / std::max(sum / count, 1e-30))};
}

Pose test_pose() {
  return parse_pose(
             "head_x=0.7,head_y=-0.4,neck_z=0.3,body_y=0.5,body_z=-0.4,mouth_aaa=0.8,eye_wink_left=1,iris_rotation_x=0."
             "4,breathing=0.6")
      .pose;
}

}  // namespace

TEST_CASE("cuda engine: quality equals the fast CPU engine's generic kernels", "[cuda][gpu]") {
  auto model = load_model("lambda_00");
  const Pose pose = test_pose();
  auto engine = make_engine(*model, gpu::Precision::kQuality, true);
  engine->render(pose);
  std::vector<float> blended;
  engine->copy_blended_to_host(blended);
  const StudentOutputs cpu = fast::FastStudentEngine(model, 2, &fast::generic_kernels()).run(pose);
  const Difference d = compare(blended, planar(cpu.blended()));
  const Difference face = compare(engine->copy_debug_outputs().face, planar(cpu[StudentOutput::kFace]));
  std::printf("cuda quality vs fast engine (generic): blended max |d| %.3g, face max |d| %.3g\n", d.max_abs,
              face.max_abs);
  CHECK(d.max_abs == 0.0);
  CHECK(face.max_abs == 0.0);
}

TEST_CASE("cuda engine: balanced matches its emulation and the reference", "[cuda][gpu]") {
  torch::set_num_threads(4);
  auto model = load_model("lambda_01");
  const Pose pose = test_pose();
  auto engine = make_engine(*model, gpu::Precision::kBalanced);
  engine->render(pose);
  std::vector<float> blended;
  engine->copy_blended_to_host(blended);
  const int size = engine->image_size();
  const int band_begin = 112, band_end = 144;
  const gpu::GpuNetworks networks = gpu::layout_networks(fast::pack_face_morpher(*model->face_morpher),
                                                         fast::pack_body_morpher(*model->body_morpher));
  const std::vector<float> image = planar(model->image);
  const gpu::EmulatedFrame emulated =
      gpu::emulate_frame(networks, image.data(), pose, gpu::Precision::kBalanced, band_begin, band_end, 4);
  double worst = 0.0;
  const int rows = band_end - band_begin;
  for (int c = 0; c < 4; ++c) {
    const std::size_t plane = static_cast<std::size_t>(size) * size;
    const Difference d =
        compare(blended,
                std::vector<float>(emulated.blended.begin() + static_cast<std::ptrdiff_t>(c) * rows * size,
                                   emulated.blended.begin() + static_cast<std::ptrdiff_t>(c + 1) * rows * size),
                c * plane + static_cast<std::size_t>(band_begin) * size);
    worst = std::max(worst, d.max_abs);
  }
  const StudentOutputs reference = ReferenceStudentEngine(model).run(pose);
  const Difference ref = compare(blended, planar(reference.blended()));
  std::printf("cuda balanced: vs emulation max |d| %.3g (rows %d:%d); vs reference PSNR %.1f dB, max |d| %.3g\n", worst,
              band_begin, band_end, ref.psnr, ref.max_abs);
  CHECK(worst < 2e-2);  // tensor-core accumulation order only, amplified by ω0 through the layers
  CHECK(ref.psnr >= 40.0);
}

TEST_CASE("cuda engine: pose caches return the same pictures as a fresh engine", "[cuda][gpu]") {
  auto model = load_model("lambda_00");
  auto engine = make_engine(*model, gpu::Precision::kBalanced);
  const Pose a = parse_pose("mouth_aaa=1,head_x=0.3").pose;
  const Pose b = parse_pose("mouth_aaa=1,head_x=-0.6,body_y=0.4").pose;  // same face pose, other body pose
  engine->render(a);
  engine->render(a);
  engine->render(b);  // the body-only graph, with the face of `a` still pasted
  std::vector<float> cached, fresh;
  engine->copy_blended_to_host(cached);
  auto other = make_engine(*model, gpu::Precision::kBalanced);
  other->render(b);
  other->copy_blended_to_host(fresh);
  CHECK(compare(cached, fresh).max_abs == 0.0);
  Pose bad = a;
  bad[3] = std::nanf("");
  CHECK_THROWS_AS(engine->render(bad), PoseError);
}

TEST_CASE("cuda frame ring: the texture copy gets the newest frame's bytes, once", "[cuda][gpu]") {
  auto model = load_model("lambda_00");
  auto engine = make_engine(*model, gpu::Precision::kBalanced);
  const int size = engine->image_size();
  gpu::DeviceFrameRing ring(0, size, size);
  cudaArray_t texture = nullptr;  // stands in for the OBS texture that interop maps
  const cudaChannelFormatDesc rgba8 = cudaCreateChannelDesc<uchar4>();
  REQUIRE(cudaMallocArray(&texture, &rgba8, size, size) == cudaSuccess);
  cudaStream_t reader = nullptr;
  REQUIRE(cudaStreamCreateWithFlags(&reader, cudaStreamNonBlocking) == cudaSuccess);
  const auto copy_into_texture = [&](const gpu::DeviceFrameView& view) { gpu::copy_to_array(view, texture, reader); };

  CHECK_FALSE(ring.read_newest(reader, copy_into_texture));  // nothing published
  ring.publish(engine->render_rgba8(parse_pose("mouth_aaa=1").pose), 1);
  const Pose last = test_pose();
  ring.publish(engine->render_rgba8(last), 2);  // published before the reader looked: the one it must get
  std::vector<unsigned char> expected;
  engine->copy_rgba8_to_host(expected);
  // The engine's buffer may change at once after publish(): the ring holds its own copy.
  engine->render_rgba8(parse_pose("head_x=-1").pose);

  std::uint64_t sequence = 0;
  CHECK(ring.read_newest(reader, [&](const gpu::DeviceFrameView& view) {
    sequence = view.sequence;
    copy_into_texture(view);
  }));
  CHECK(sequence == 2);
  CHECK_FALSE(ring.read_newest(reader, copy_into_texture));  // not twice
  REQUIRE(cudaStreamSynchronize(reader) == cudaSuccess);
  std::vector<unsigned char> shown(expected.size());
  REQUIRE(cudaMemcpy2DFromArray(shown.data(), static_cast<std::size_t>(size) * 4, texture, 0, 0,
                                static_cast<std::size_t>(size) * 4, static_cast<std::size_t>(size),
                                cudaMemcpyDeviceToHost) == cudaSuccess);
  CHECK(shown == expected);
  CHECK(ring.host_copies_wanted());  // until a reader says interop works
  cudaStreamDestroy(reader);
  cudaFreeArray(texture);
}
