#pragma once
// The one place that knows every engine: which engine a request means on this build and machine
// (resolve_engine), and the factory that makes it (make_poser). The plugin and the CLI both come here, so
// an engine added once is benchmarkable, testable and selectable everywhere.

#include "inference/engine/engine_kind.h"
#include "inference/engine/full_system_poser.h"
#include "inference/engine/poser.h"
#include "inference/student/student_engine.h"

#include <torch/torch.h>

#include <memory>
#include <string>

namespace tha4 {
struct CharacterModel;
}

namespace tha4::engine {

struct Options {
  // CPU threads: the fast engine's pool (0: engine_threads(), half the hardware threads). LibTorch's global
  // count (the reference engine and the full system on the CPU) is set only when this is above 0, since it
  // is process-wide and its reduction order moves the last bits of the reference's results.
  int threads = 0;
  int cuda_device = 0;  // the GPU for kCuda and kAuto
  CudaPrecision cuda_precision = CudaPrecision::kBalanced;
  bool all_outputs = true;  // the CUDA engine's run() downloads all six outputs (false: the blended image only)
  // The full system's network sizes: a pipeline JSON as `--full-config` takes (a reduced teacher, in tests);
  // empty: the official sizes.
  std::filesystem::path full_system_sizes;
};

// What a requested engine comes to here: a concrete kind (never kAuto), the device the model is loaded on
// (the CPU for the fused CUDA engine, which packs the CPU weights; the GPU for LibTorch on CUDA), and why it
// differs from the request, if it does ("CUDA is not available ...": the plugin shows it, the CLI refuses).
struct EngineDecision {
  Kind kind = Kind::kFast;
  torch::Device device = torch::kCPU;
  bool fused_cuda = false;  // kCuda on the fused engine (inference/cuda/), not LibTorch on the GPU
  std::string warning;
};
EngineDecision resolve_engine(Kind requested, const Options& options = {});

// Whether this build has the fused CUDA engine (THA4_CUDA) and how many GPUs it sees (0 without).
bool fused_cuda_engine_built();
int cuda_devices();

// A student engine over `model` (loaded on resolve_engine()'s device). kAuto is resolved first. Throws tha4::Error for
// an engine this build or machine lacks.
std::unique_ptr<StudentEngine> make_poser(Kind kind, std::shared_ptr<CharacterModel> model,
                                          const Options& options = {});

// The full system: LibTorch on the device `weights_folder` is loaded on (resolve_engine()'s, for
// kReference, kCuda or kAuto). The fast engine and the fused CUDA engine pose students only: asking for
// them throws tha4::Error.
std::unique_ptr<Poser> make_full_system_poser(Kind kind, const std::filesystem::path& weights_folder,
                                              const std::filesystem::path& picture, const Options& options = {});

}  // namespace tha4::engine
