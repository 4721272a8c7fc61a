// Times the CUDA engine per precision (every frame a new face and body pose, so the whole graph runs) and
// measures its PSNR against the reference engine. Prints one line per engine for scripts/gpu-check.sh:
//   RESULT engine=<name> median_ms=<ms> psnr_db=<dB>
// Usage: tha4_cuda_bench <character folder> [frames]
#include "inference/cuda/cuda_student_engine.h"
#include "inference/fast/packed_student.h"
#include "inference/student/reference_engine.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>

using namespace tha4;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s <character folder> [frames >= 200]\n", argv[0]);
    return 2;
  }
  const int frames = argc > 2 ? std::max(200, std::atoi(argv[2])) : 200;
  auto model = std::make_shared<CharacterModel>(load_character_model(argv[1]));
  const torch::Tensor image = model->image.to(torch::kCPU).contiguous();
  const fast::PackedFaceMorpher face = fast::pack_face_morpher(*model->face_morpher);
  const fast::PackedBodyMorpher body = fast::pack_body_morpher(*model->body_morpher);
  const Pose check_pose = parse_pose("head_x=0.7,head_y=-0.4,body_y=0.5,mouth_aaa=0.8,eye_wink_left=1,breathing=0.6").pose;
  const torch::Tensor reference = ReferenceStudentEngine(model).run(check_pose).blended().contiguous();

  for (const gpu::Precision precision : {gpu::Precision::kQuality, gpu::Precision::kBalanced}) {
    gpu::CudaStudentEngine engine(face, body, image.data_ptr<float>(), precision);
    std::vector<double> times;
    for (int i = 0; i < frames + 20; ++i) {
      Pose pose = rest_pose();
      pose[26] = 0.5f + 0.5f * std::sin(0.1f * i);  // mouth_aaa: a new face pose every frame
      pose[39] = 0.8f * std::sin(0.05f * i);        // head_x
      pose[43] = 0.6f * std::cos(0.07f * i);        // body_z
      const auto start = std::chrono::steady_clock::now();
      engine.render(pose);  // synchronous
      const auto stop = std::chrono::steady_clock::now();
      if (i >= 20) times.push_back(std::chrono::duration<double, std::milli>(stop - start).count());
    }
    std::sort(times.begin(), times.end());
    engine.render(check_pose);
    std::vector<float> blended;
    engine.copy_blended_to_host(blended);
    double sum = 0.0;
    for (std::size_t i = 0; i < blended.size(); ++i) {
      const double d = static_cast<double>(blended[i]) - reference.data_ptr<float>()[i];
      sum += d * d;
    }
    const double psnr = 10.0 * std::log10(4.0 / std::max(sum / blended.size(), 1e-30));
    std::printf("RESULT engine=%.*s median_ms=%.3f psnr_db=%.1f\n", static_cast<int>(engine.name().size()),
                engine.name().data(), times[times.size() / 2], psnr);
  }
  return 0;
}
