#!/usr/bin/env bash
# Builds the cuda preset against PyTorch's CUDA LibTorch, runs the tests that need a GPU and the
# benchmarks, and prints a table: engine, median ms/frame, speed-up over the PyTorch eager reference, PSNR
# against the reference engine; then the full THA4 system (teacher) at official sizes in fp32 and fp16, with
# the fp16/fp32 ratio. Needs an NVIDIA GPU, nvcc (CUDA_HOME or /usr/local/cuda) and a Python with a
# CUDA build of torch (pip install torch). Usage: scripts/gpu-check.sh [character folder] [frames]
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
character="${1:-$root/../shared/models/lambda_00}"
frames="${2:-200}"
jobs="${JOBS:-$(nproc)}"
python="${PYTHON:-python3}"
cd "$root"

torch_prefix="$("$python" -c 'import torch; print(torch.utils.cmake_prefix_path)')"
"$python" -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else "torch sees no CUDA device")'

echo "== configure and build (cuda preset, Torch from $torch_prefix)"
# The OBS plugin too where libobs is installed (its CUDA–OpenGL presenter is compiled then).
obs_plugin=OFF
if pkg-config --exists libobs 2>/dev/null; then obs_plugin=ON; fi
cmake --preset cuda -DCMAKE_PREFIX_PATH="$torch_prefix" -DTHA4_OBS_PLUGIN="$obs_plugin"
cmake --build build/cuda -j "$jobs" --target tha4_cuda_tests tha4_cuda_bench tha4_tests tha4

echo "== CUDA tests"
./build/cuda/tests/tha4_cuda_tests
echo "== CPU emulation tests (the same binary CI runs)"
./build/cuda/tests/tha4_tests "cuda emulation:*"

echo "== benchmarks ($frames frames each, after warm-up)"
results="$(mktemp)"
teacher="$(mktemp)"
trap 'rm -f "$results" "$teacher"' EXIT
"$python" bench/reference_student.py "$character" --frames "$frames" | tee -a "$results"
./build/cuda/bench/tha4_cuda_bench "$character" "$frames" | tee -a "$results"

echo
# The student table and the issue's bars: fused engine <= 1 ms and >= 10x the eager reference,
# PSNR >= 40 dB against it, pose to texture <= 2 ms.
awk '
  /^RESULT / {
    for (i = 2; i <= NF; ++i) { split($i, kv, "="); field[kv[1]] = kv[2] }
    name = field["engine"]; order[++n] = name; ms[name] = field["median_ms"]
    psnr[name] = ("psnr_db" in field) ? field["psnr_db"] : ""
    delete field
  }
  function bar(text, ok) { printf "  %-58s %s\n", text, ok ? "met" : "NOT MET" }
  END {
    ref = ms["reference-pytorch"]
    printf "%-24s %18s %16s %18s\n", "engine", "ms/frame (median)", "speed-up vs ref", "PSNR vs reference"
    for (i = 1; i <= n; ++i) {
      e = order[i]
      ratio = (ref > 0 && ms[e] > 0) ? sprintf("%.1fx", ref / ms[e]) : "-"
      quality = psnr[e] != "" ? psnr[e] " dB" : (e == "reference-pytorch" ? "(is the reference)" : "-")
      printf "%-24s %18.3f %16s %18s\n", e, ms[e], ratio, quality
    }
    print "(cuda-*: GPU time by CUDA events; e2e-*: host time from the pose to the frame in a texture array)"
    b = ms["cuda-balanced"]
    if (b > 0 && ref > 0) {
      print "bars (balanced engine):"
      bar(sprintf("<= 1 ms per frame: %.3f ms", b), b <= 1.0)
      bar(sprintf(">= 10x the eager reference: %.1fx", ref / b), ref / b >= 10.0)
      bar(sprintf(">= 40 dB against the reference: %s dB", psnr["cuda-balanced"]), psnr["cuda-balanced"] + 0 >= 40.0)
      e2e = ms["e2e-cuda-balanced"]
      bar(sprintf("pose to texture <= 2 ms: %.3f ms", e2e), e2e > 0 && e2e <= 2.0)
    }
  }' "$results"

echo
echo "== teacher benchmarks (official sizes, random weights, 20 frames each after 3 warm-up)"
for precision in fp32 fp16; do
  ./build/cuda/cli/tha4 bench full --official --device cuda --precision "$precision" --frames 20 --warmup 3 |
    tee -a "$teacher"
done

echo
awk '
  /^RESULT / {
    for (i = 2; i <= NF; ++i) { split($i, kv, "="); field[kv[1]] = kv[2] }
    name = field["engine"]; order[++n] = name; ms[name] = field["median_ms"]
    delete field
  }
  END {
    ref = ms["teacher-fp32-cuda"]
    printf "%-20s %16s %18s\n", "engine", "ms/frame (median)", "time vs fp32"
    for (i = 1; i <= n; ++i) {
      e = order[i]
      ratio = (ref > 0 && ms[e] > 0) ? sprintf("%.2fx", ms[e] / ref) : "-"
      printf "%-20s %16.3f %18s\n", e, ms[e], ratio
    }
    print "teacher-fp32-cuda is LibTorch eager fp32: it runs the reference'"'"'s operations one by one, as PyTorch eager"
    print "does, so it stands in for the reference eager fp32 time (same GPU, same run; cuDNN TF32 at LibTorch'"'"'s default)."
    if (ref > 0 && ms["teacher-fp16-cuda"] > 0) {
      r = ms["teacher-fp16-cuda"] / ref
      printf "goal: optimised teacher <= 0.5x the reference eager fp32 time: fp16 is %.2fx -> %s\n", r,
             (r <= 0.5 ? "met" : "NOT met")
    }
  }' "$teacher"
