// Times the CUDA engine per precision (every frame a new face and body pose, so the whole graph runs) and
// measures its PSNR against the reference engine. Prints lines for scripts/gpu-check.sh:
//   RESULT engine=cuda-<precision> median_ms=<GPU ms, CUDA events> wall_ms=<host ms> psnr_db=<dB>
//   RESULT engine=e2e-cuda-<precision> median_ms=<host ms from the pose to the frame in a texture array>
// The end-to-end row is what the OBS source does per frame, minus OpenGL's map/unmap: render, convert to
// RGBA8, publish into the device frame ring, and copy the newest frame into a cudaArray of the texture's
// format on another stream, as the interop copy does.
// Usage: tha4_cuda_bench <character folder> [frames]
#include "inference/cuda/cuda_student_engine.h"
#include "inference/cuda/device_frame_ring.h"
#include "inference/fast/packed_student.h"
#include "inference/student/reference_engine.h"

#include <cuda_runtime.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>

using namespace tha4;

namespace {

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

double milliseconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

void check(cudaError_t status, const char* what) {
  if (status != cudaSuccess) {
    std::fprintf(stderr, "%s: %s\n", what, cudaGetErrorString(status));
    std::exit(1);
  }
}

// Frame i of the benchmark: a new face pose and a new body pose every frame, so the whole graph runs.
Pose moving_pose(int i) {
  Pose pose = rest_pose();
  pose[26] = 0.5f + 0.5f * std::sin(0.1f * i);  // mouth_aaa
  pose[39] = 0.8f * std::sin(0.05f * i);        // head_x
  pose[43] = 0.6f * std::cos(0.07f * i);        // body_z
  return pose;
}

double psnr(const std::vector<float>& image, const torch::Tensor& reference) {
  double sum = 0.0;
  for (std::size_t i = 0; i < image.size(); ++i) {
    const double d = static_cast<double>(image[i]) - reference.data_ptr<float>()[i];
    sum += d * d;
  }
  return 10.0 * std::log10(4.0 / std::max(sum / image.size(), 1e-30));  // values span [-1, 1]
}

// Pose in → frame in a texture-format cudaArray, on the host clock, per frame.
std::vector<double> end_to_end_ms(gpu::CudaStudentEngine& engine, int frames, int warmup) {
  const int size = engine.image_size();
  gpu::DeviceFrameRing ring(0, size, size);
  cudaArray_t texture = nullptr;
  const cudaChannelFormatDesc rgba8 = cudaCreateChannelDesc<uchar4>();
  check(cudaMallocArray(&texture, &rgba8, size, size), "cudaMallocArray");
  cudaStream_t reader = nullptr;
  check(cudaStreamCreateWithFlags(&reader, cudaStreamNonBlocking), "cudaStreamCreate");
  std::vector<double> times;
  for (int i = 0; i < frames + warmup; ++i) {
    const Pose pose = moving_pose(i);
    const auto start = std::chrono::steady_clock::now();
    ring.publish(engine.render_rgba8(pose), static_cast<std::uint64_t>(i) + 1);
    ring.read_newest(reader, [&](const gpu::DeviceFrameView& view) { gpu::copy_to_array(view, texture, reader); });
    check(cudaStreamSynchronize(reader), "cudaStreamSynchronize");
    if (i >= warmup) times.push_back(milliseconds_since(start));
  }
  cudaStreamDestroy(reader);
  cudaFreeArray(texture);
  return times;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s <character folder> [frames >= 200]\n", argv[0]);
    return 2;
  }
  const int frames = argc > 2 ? std::max(200, std::atoi(argv[2])) : 200;
  constexpr int kWarmup = 20;
  auto model = std::make_shared<CharacterModel>(load_character_model(argv[1]));
  const torch::Tensor image = model->image.to(torch::kCPU).contiguous();
  const fast::PackedFaceMorpher face = fast::pack_face_morpher(*model->face_morpher);
  const fast::PackedBodyMorpher body = fast::pack_body_morpher(*model->body_morpher);
  const Pose check_pose =
      parse_pose("head_x=0.7,head_y=-0.4,body_y=0.5,mouth_aaa=0.8,eye_wink_left=1,breathing=0.6").pose;
  const torch::Tensor reference = ReferenceStudentEngine(model).run(check_pose).blended().contiguous();

  for (const gpu::Precision precision : {gpu::Precision::kQuality, gpu::Precision::kBalanced}) {
    gpu::CudaStudentEngine engine(face, body, image.data_ptr<float>(), precision);
    std::vector<double> gpu_ms, wall_ms;
    for (int i = 0; i < frames + kWarmup; ++i) {
      const auto start = std::chrono::steady_clock::now();
      engine.render(moving_pose(i));  // synchronous
      if (i < kWarmup) continue;
      wall_ms.push_back(milliseconds_since(start));
      gpu_ms.push_back(engine.last_gpu_ms());
    }
    engine.render(check_pose);
    std::vector<float> blended;
    engine.copy_blended_to_host(blended);
    const std::string name(engine.name());
    std::printf("RESULT engine=%s median_ms=%.3f wall_ms=%.3f psnr_db=%.1f\n", name.c_str(), median(gpu_ms),
                median(wall_ms), psnr(blended, reference));
    std::printf("RESULT engine=e2e-%s median_ms=%.3f\n", name.c_str(), median(end_to_end_ms(engine, frames, kWarmup)));
  }
  return 0;
}
