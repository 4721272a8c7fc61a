#include "inference/engine/make_poser.h"

#include "inference/fast/fast_student_engine.h"
#include "inference/full/full_system_config_json.h"
#include "inference/student/character_model.h"
#include "inference/student/reference_engine.h"
#include "inference/util/errors.h"

#include <nlohmann/json.hpp>
#if THA4_HAS_CUDA_ENGINE
#include "inference/cuda/cuda_student_poser.h"
#endif

namespace tha4::engine {

bool fused_cuda_engine_built() { return THA4_HAS_CUDA_ENGINE != 0; }

int cuda_devices() {
#if THA4_HAS_CUDA_ENGINE
  return gpu::cuda_device_count();
#else
  return torch::cuda::is_available() ? static_cast<int>(torch::cuda::device_count()) : 0;
#endif
}

EngineDecision resolve_engine(Kind requested, const Options& options) {
  EngineDecision decision;
  switch (requested) {
    case Kind::kFast: return decision;
    case Kind::kReference: decision.kind = Kind::kReference; return decision;
    case Kind::kAuto:
    case Kind::kCuda: break;
  }
  // The fused engine replaces LibTorch on the GPU whenever this build has it and the GPU is there.
  if (fused_cuda_engine_built() && options.cuda_device < cuda_devices()) {
    decision.kind = Kind::kCuda;
    decision.fused_cuda = true;
    return decision;
  }
  if (torch::cuda::is_available()) {
    const int count = static_cast<int>(torch::cuda::device_count());
    int device = options.cuda_device;
    if (device >= count) {
      decision.warning = "CUDA device " + std::to_string(device) + " does not exist (" + std::to_string(count) +
                         " found); using device 0";
      device = 0;
    }
    decision.kind = Kind::kReference;
    decision.device = torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(device));
    return decision;
  }
  if (requested == Kind::kCuda) {
    decision.warning =
        "CUDA is not available (this build's LibTorch has no CUDA, or no NVIDIA GPU was found); using the fast "
        "CPU engine";
  }
  return decision;
}

std::unique_ptr<StudentEngine> make_poser(Kind kind, std::shared_ptr<CharacterModel> model, const Options& options) {
  const int threads = engine_threads(options.threads);
  if (kind == Kind::kAuto) {
    // The model is already loaded: LibTorch engines stay on its device.
    kind = model->image.device().is_cuda() ? Kind::kReference : resolve_engine(Kind::kAuto, options).kind;
  }
  switch (kind) {
    case Kind::kReference:
      if (model->image.device().is_cpu() && options.threads > 0) torch::set_num_threads(options.threads);
      return std::make_unique<ReferenceStudentEngine>(std::move(model));
    case Kind::kFast:
      if (!model->image.device().is_cpu()) throw Error("the fast engine runs on the CPU: load the model there");
      return std::make_unique<fast::FastStudentEngine>(std::move(model), threads);
    case Kind::kCuda: {
#if THA4_HAS_CUDA_ENGINE
      if (options.cuda_device >= cuda_devices()) {
        throw Error("the CUDA engine needs GPU " + std::to_string(options.cuda_device) + ", but " +
                    std::to_string(cuda_devices()) + " GPU(s) were found");
      }
      const gpu::Precision precision =
          options.cuda_precision == CudaPrecision::kQuality ? gpu::Precision::kQuality : gpu::Precision::kBalanced;
      return std::make_unique<gpu::CudaStudentPoser>(std::move(model), precision, options.cuda_device,
                                                     options.all_outputs);
#else
      // Without the fused engine, "cuda" is the reference engine on a GPU (the model must be there).
      if (model->image.device().is_cuda()) return std::make_unique<ReferenceStudentEngine>(std::move(model));
      throw Error("this build has no CUDA engine: build with the cuda preset against a CUDA LibTorch (README)");
#endif
    }
    case Kind::kAuto: break;
  }
  throw Error("unsupported engine '" + std::string(kind_name(kind)) + "'");
}

std::unique_ptr<Poser> make_full_system_poser(Kind kind, const std::filesystem::path& weights_folder,
                                              const std::filesystem::path& picture, const Options& options) {
  if (kind == Kind::kFast) {
    throw Error(
        "the fast engine poses students only; the full system runs on LibTorch (engine reference, cuda "
        "or auto)");
  }
  const EngineDecision decision = resolve_engine(kind, options);
  // The fused engine is a student engine: the full system takes LibTorch on the same GPU instead.
  torch::Device device = decision.device;
  if (decision.fused_cuda && torch::cuda::is_available()) {
    device = torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(options.cuda_device));
  }
  if (device.is_cpu() && options.threads > 0) torch::set_num_threads(options.threads);
  const full::FullSystemConfig config =
      options.full_system_sizes.empty()
          ? full::FullSystemConfig::official()
          : full::full_system_config_from_pipeline_json(full::read_json_file(options.full_system_sizes));
  return load_full_system_poser(weights_folder, picture, device, config);
}

}  // namespace tha4::engine
