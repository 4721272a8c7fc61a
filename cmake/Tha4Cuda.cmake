# The GPUs our CUDA code is built for, listed once (the cuda preset and every CUDA target take it from here).
# SASS for Turing..Hopper and Blackwell (B100/B200: sm_100, RTX 50: sm_120) plus compute_90 PTX, which the
# driver JIT-compiles on any newer GPU. Override with -DCMAKE_CUDA_ARCHITECTURES=native for a quick local build.
set(THA4_CUDA_ARCHITECTURES "75-real;80-real;86-real;89-real;90-real;100-real;120-real;90-virtual"
    CACHE STRING "CUDA architectures of the cuda build (CMake's CUDA_ARCHITECTURES syntax)")
if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
  set(CMAKE_CUDA_ARCHITECTURES "${THA4_CUDA_ARCHITECTURES}")
endif()
if(NOT DEFINED CMAKE_CUDA_COMPILER AND EXISTS /usr/local/cuda/bin/nvcc)
  set(CMAKE_CUDA_COMPILER /usr/local/cuda/bin/nvcc)
endif()
enable_language(CUDA)
