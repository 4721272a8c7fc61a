#pragma once
// Which engine poses a character, as the user names it (`tha4 --engine`, the source's "Engine" list), and
// the CPU threads an engine gets by default. No LibTorch here: the OBS side and the settings include it.

#include <string>
#include <string_view>

namespace tha4::engine {

enum class Kind {
  kAuto,       // the fused CUDA engine when this build and machine have a GPU, else LibTorch on the GPU,
               // else the fast CPU engine
  kReference,  // LibTorch with the reference implementation's operations: bit-exact, slow (CPU or GPU)
  kFast,       // the folded, fused CPU engine (inference/fast/)
  kCuda,       // the fused CUDA engine (inference/cuda/, THA4_CUDA builds), else LibTorch on the GPU
};

// "auto", "reference", "fast", "cuda".
std::string_view kind_name(Kind kind);
// The inverse of kind_name; throws tha4::Error listing the valid names otherwise.
Kind parse_kind(std::string_view name);
// "auto, reference, fast, cuda": for help texts and messages.
std::string kind_names();

// The fused CUDA engine's arithmetic: fp16 tensor cores, or fp32 bit-equal to the fast CPU engine.
enum class CudaPrecision { kBalanced, kQuality };

// The CPU threads an engine gets for `requested`: as asked, or for 0, half the hardware threads (at least
// one), so that OBS, its encoder and the game keep theirs. The plugin and the CLI share this default.
int engine_threads(int requested);

}  // namespace tha4::engine
