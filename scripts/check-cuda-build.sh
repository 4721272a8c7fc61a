#!/usr/bin/env bash
# Compiles the CUDA build (the cuda-compile preset: nvcc for the kernels, the host code against whichever
# LibTorch CMake finds) without running anything: a GPU is not needed. Skips, saying so, without nvcc.
set -euo pipefail
cd "$(dirname "$0")/.."
nvcc=${CUDACXX:-/usr/local/cuda/bin/nvcc}
if [[ ! -x "$nvcc" ]]; then
  echo "check-cuda-build: no nvcc at $nvcc (set CUDACXX): skipped"
  exit 0
fi
jobs=${JOBS:-2}
cmake --preset cuda-compile -DCMAKE_CUDA_COMPILER="$nvcc" "$@"
cmake --build --preset cuda-compile -j "$jobs"
echo "check-cuda-build: the CUDA build compiles"
