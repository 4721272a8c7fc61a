// The fused student kernels (see student_kernels.cuh). The per-element math lives in kernel_math.h,
// shared with the CPU emulation that the default build tests.
#include "inference/cuda/student_kernels.cuh"

#include <cuda_fp16.h>
#include <mma.h>

#include <stdexcept>
#include <string>

namespace tha4::gpu {
namespace {

namespace wmma = nvcuda::wmma;

void check(cudaError_t status, const char* what) {
  if (status != cudaSuccess) throw std::runtime_error(std::string(what) + ": " + cudaGetErrorString(status));
}

// Activation storage of each precision: the tile width and the conversion on store.
template <class Act>
struct Activation;

template <>
struct Activation<float> {
  static constexpr int kTile = kQualityTilePixels;
  __device__ static float store(float v) { return v; }
};

template <>
struct Activation<__half> {
  static constexpr int kTile = kBalancedTilePixels;
  __device__ static __half store(float v) { return __float2half_rn(v); }
};

// The folded first layer of a tile: sin(frame_bias + wy·y + wx·x [+ upsampled features]), in the CPU
// engine's order (row bias first, then the x slope, then the features). fp32 in both precisions.
template <class Act>
__device__ void first_layer(const LevelLaunch& level, int tile_begin, Act* out) {
  constexpr int kTile = Activation<Act>::kTile;
  const int row = tile_begin / level.size;
  const int x0 = tile_begin % level.size;
  const float gy = level.grid[row];
  BilinearTap row_tap{};
  if (level.low_features) row_tap = bilinear_tap(row, level.low_size, level.size);
  const int low_plane = level.low_size * level.low_size;
  for (int e = threadIdx.x; e < level.channels * kTile; e += blockDim.x) {
    const int o = e / kTile;
    const int p = e % kTile;
    const float row_bias = add(level.frame_bias[o], mul(level.wy[o], gy));
    float pre = add(row_bias, mul(level.wx[o], level.grid[x0 + p]));
    if (level.low_features) {
      const BilinearTap col_tap = bilinear_tap(x0 + p, level.low_size, level.size);
      pre = add(pre, upsample_at(level.low_features + o * low_plane, level.low_size, row_tap, col_tap));
    }
    out[o * kTile + p] = Activation<Act>::store(fast_sin(pre));
  }
}

// fp32 products on CUDA cores. Each thread owns one pixel and, four at a time, outputs o, o+16, o+32,
// o+48 (sharing each activation load). The sum starts at the bias and adds w·x in input order with
// separately rounded multiplies and adds: the fast CPU engine's generic order, so `quality` is bit-equal.
template <class Epilogue>
__device__ void linear_quality(const DeviceLinear& layer, const float* in, float* /*staging*/, Epilogue epilogue) {
  constexpr int kTile = kQualityTilePixels;
  constexpr int kGroups = kThreadsPerBlock / kTile;  // 16 output groups
  constexpr int kBlock = 4;
  const int p = threadIdx.x % kTile;
  const int group = threadIdx.x / kTile;
  const float* weights = static_cast<const float*>(layer.weights);
  for (int o0 = group; o0 < layer.out; o0 += kGroups * kBlock) {
    const int count = min(kBlock, (layer.out - o0 + kGroups - 1) / kGroups);
    float acc[kBlock];
    const float* w[kBlock];
#pragma unroll
    for (int j = 0; j < kBlock; ++j) {
      const int o = j < count ? o0 + j * kGroups : o0;
      acc[j] = layer.bias[o];
      w[j] = weights + static_cast<size_t>(o) * layer.in;
    }
    for (int k = 0; k < layer.in; ++k) {
      const float x = in[k * kTile + p];
#pragma unroll
      for (int j = 0; j < kBlock; ++j) acc[j] = add(acc[j], mul(__ldg(w[j] + k), x));
    }
#pragma unroll
    for (int j = 0; j < kBlock; ++j) {
      if (j < count) epilogue(o0 + j * kGroups, p, acc[j]);
    }
  }
}

// fp16 products on tensor cores: each warp computes 16×16 (outputs × pixels) fragments over the K = in
// inputs in steps of 16, A = weights (row-major, read through L1/L2: the widest layer, 368×368 halves, is
// larger than shared memory), B = the activations in shared memory, fp32 accumulators. The fragment goes
// through a per-warp staging tile so the epilogue sees (output, pixel) pairs; the bias is added there.
template <class Epilogue>
__device__ void linear_balanced(const DeviceLinear& layer, const __half* in, float* staging, Epilogue epilogue) {
  constexpr int kTile = kBalancedTilePixels;
  constexpr int kPixelTiles = kTile / kMmaSize;
  const int warp = threadIdx.x / 32;
  const int lane = threadIdx.x % 32;
  float* my_staging = staging + warp * kMmaSize * kMmaSize;
  const __half* weights = static_cast<const __half*>(layer.weights);
  const int tiles = (layer.out / kMmaSize) * kPixelTiles;
  for (int t = warp; t < tiles; t += kWarpsPerBlock) {
    const int out_tile = t / kPixelTiles;
    const int pixel_tile = t % kPixelTiles;
    wmma::fragment<wmma::accumulator, kMmaSize, kMmaSize, kMmaSize, float> acc;
    wmma::fill_fragment(acc, 0.0f);
    const __half* a_row = weights + static_cast<size_t>(out_tile) * kMmaSize * layer.in;
    for (int k = 0; k < layer.in; k += kMmaSize) {
      wmma::fragment<wmma::matrix_a, kMmaSize, kMmaSize, kMmaSize, __half, wmma::row_major> a;
      wmma::fragment<wmma::matrix_b, kMmaSize, kMmaSize, kMmaSize, __half, wmma::row_major> b;
      wmma::load_matrix_sync(a, a_row + k, layer.in);
      wmma::load_matrix_sync(b, in + k * kTile + pixel_tile * kMmaSize, kTile);
      wmma::mma_sync(acc, a, b, acc);
    }
    wmma::store_matrix_sync(my_staging, acc, kMmaSize, wmma::mem_row_major);
    __syncwarp();
    for (int e = lane; e < kMmaSize * kMmaSize; e += 32) {
      const int o = out_tile * kMmaSize + e / kMmaSize;
      epilogue(o, pixel_tile * kMmaSize + e % kMmaSize, add(my_staging[e], layer.bias[o]));
    }
    __syncwarp();
  }
}

template <class Act>
struct Layers;

template <>
struct Layers<float> {
  template <class Epilogue>
  __device__ static void linear(const DeviceLinear& layer, const float* in, float* staging, Epilogue epilogue) {
    linear_quality(layer, in, staging, epilogue);
  }
};

template <>
struct Layers<__half> {
  template <class Epilogue>
  __device__ static void linear(const DeviceLinear& layer, const __half* in, float* staging, Epilogue epilogue) {
    linear_balanced(layer, in, staging, epilogue);
  }
};

// The face's head: paste the 4 channels into the character image and keep them as the face output.
template <int kTile>
__device__ void paste_face(const LevelLaunch& level, int tile_begin, const float* head) {
  const int p = threadIdx.x;
  if (p >= kTile) return;
  const int pixel = tile_begin + p;
  const int y = pixel / level.size;
  const int x = pixel % level.size;
  const int plane = level.size * level.size;
  const int image_plane = level.image_size * level.image_size;
  for (int c = 0; c < 4; ++c) {
    const float v = head[c * kTile + p];
    level.face[c * plane + pixel] = v;
    level.image[c * image_plane + (kFaceTop + y) * level.image_size + kFaceLeft + x] = v;
  }
}

// The body's head: channels 0-1 grid change, 2 alpha, 3-6 colour change (spec §3.5); warp and blend.
template <int kTile>
__device__ void warp_and_blend(const LevelLaunch& level, int tile_begin, const float* head) {
  const int p = threadIdx.x;
  if (p >= kTile) return;
  const int pixel = tile_begin + p;
  const int y = pixel / level.size;
  const int x = pixel % level.size;
  const int plane = level.size * level.size;
  const float dx = head[0 * kTile + p];
  const float dy = head[1 * kTile + p];
  const float alpha = head[2 * kTile + p];
  float warped[4];
  warp_pixel(level.image, level.size, level.grid[x], level.grid[y], dx, dy, warped);
  for (int c = 0; c < 4; ++c) {
    const float color = head[(3 + c) * kTile + p];
    level.blended[c * plane + pixel] = blend(alpha, warped[c], color);
    if (level.color_change) level.color_change[c * plane + pixel] = color;
    if (level.warped) level.warped[c * plane + pixel] = warped[c];
  }
  if (level.alpha) level.alpha[pixel] = alpha;
  if (level.grid_change) {
    level.grid_change[pixel] = dx;
    level.grid_change[plane + pixel] = dy;
  }
}

template <class Act>
__global__ void __launch_bounds__(kThreadsPerBlock) siren_level_kernel(const LevelLaunch level) {
  constexpr int kTile = Activation<Act>::kTile;
  extern __shared__ __align__(128) unsigned char shared[];
  Act* x = reinterpret_cast<Act*>(shared);
  Act* y = x + level.widest * kTile;
  float* head = reinterpret_cast<float*>(y + level.widest * kTile);  // [kHeadRows][kTile]
  float* staging = head + kHeadRows * kTile;                         // [warps][16×16], balanced only
  const int tile_begin = blockIdx.x * kTile;

  first_layer<Act>(level, tile_begin, x);
  __syncthreads();
  for (int i = 0; i < level.rest_count; ++i) {
    Act* out = y;
    Layers<Act>::linear(level.rest[i], x, staging,
                        [out](int o, int p, float pre) { out[o * kTile + p] = Activation<Act>::store(fast_sin(pre)); });
    __syncthreads();
    y = x;
    x = out;
  }

  if (level.head_kind == HeadKind::kFeatures) {
    // Straight to global memory: consecutive threads write consecutive pixels of one channel plane.
    float* features = level.features + tile_begin;
    const int plane = level.size * level.size;
    Layers<Act>::linear(level.head, x, staging,
                        [features, plane](int o, int p, float v) { features[o * plane + p] = v; });
    return;
  }
  Layers<Act>::linear(level.head, x, staging, [head](int o, int p, float v) {
    if (o < kHeadRows) head[o * kTile + p] = v;
  });
  __syncthreads();
  if (level.head_kind == HeadKind::kFace) {
    paste_face<kTile>(level, tile_begin, head);
  } else {
    warp_and_blend<kTile>(level, tile_begin, head);
  }
}

struct FrameBiasJobs {
  FrameBiasJob jobs[kMaxFrameBiasJobs];
};

// One thread per output of one job (blockIdx.y): the CPU engine's order, bias first then pose in order.
__global__ void frame_bias_kernel(const FrameBiasJobs jobs, const float* pose) {
  // Select the job with constant indices: a dynamic index into the parameter array costs a local copy.
  FrameBiasJob job = jobs.jobs[0];
#pragma unroll
  for (int i = 1; i < kMaxFrameBiasJobs; ++i) {
    if (static_cast<int>(blockIdx.y) == i) job = jobs.jobs[i];
  }
  const int o = blockIdx.x * blockDim.x + threadIdx.x;
  if (o >= job.channels) return;
  float sum = job.bias[o];
  const float* row = job.pose_weights + o * job.pose_size;
  for (int k = 0; k < job.pose_size; ++k) sum = add(sum, mul(row[k], pose[k]));
  job.out[o] = sum;
}

}  // namespace

std::size_t level_shared_bytes(int widest, Precision precision) {
  if (precision == Precision::kQuality) {
    return 2 * static_cast<std::size_t>(widest) * kQualityTilePixels * sizeof(float) +
           kHeadRows * kQualityTilePixels * sizeof(float);
  }
  return 2 * static_cast<std::size_t>(widest) * kBalancedTilePixels * sizeof(__half) +
         kHeadRows * kBalancedTilePixels * sizeof(float) + kWarpsPerBlock * kMmaSize * kMmaSize * sizeof(float);
}

void allow_level_shared_bytes(std::size_t bytes) {
  check(cudaFuncSetAttribute(siren_level_kernel<float>, cudaFuncAttributeMaxDynamicSharedMemorySize,
                             static_cast<int>(bytes)),
        "cudaFuncSetAttribute (quality level kernel)");
  check(cudaFuncSetAttribute(siren_level_kernel<__half>, cudaFuncAttributeMaxDynamicSharedMemorySize,
                             static_cast<int>(bytes)),
        "cudaFuncSetAttribute (balanced level kernel)");
}

void launch_level(const LevelLaunch& launch, Precision precision, cudaStream_t stream) {
  const int pixels = launch.size * launch.size;
  const std::size_t shared = level_shared_bytes(launch.widest, precision);
  if (precision == Precision::kQuality) {
    siren_level_kernel<float><<<pixels / kQualityTilePixels, kThreadsPerBlock, shared, stream>>>(launch);
  } else {
    siren_level_kernel<__half><<<pixels / kBalancedTilePixels, kThreadsPerBlock, shared, stream>>>(launch);
  }
  check(cudaGetLastError(), "launching a student level kernel");
}

void launch_frame_bias(const FrameBiasJob* jobs, int count, const float* pose, cudaStream_t stream) {
  if (count < 1 || count > kMaxFrameBiasJobs) throw std::invalid_argument("launch_frame_bias: 1 to 4 jobs");
  FrameBiasJobs all{};
  int widest = 0;
  for (int i = 0; i < count; ++i) {
    all.jobs[i] = jobs[i];
    widest = widest > jobs[i].channels ? widest : jobs[i].channels;
  }
  const dim3 grid((widest + 127) / 128, static_cast<unsigned>(count));
  frame_bias_kernel<<<grid, 128, 0, stream>>>(all, pose);
  check(cudaGetLastError(), "launching the frame-bias kernel");
}

__global__ void to_rgba8_kernel(const float* planar, int plane, unsigned char* rgba) {
  const int pixel = blockIdx.x * blockDim.x + threadIdx.x;
  if (pixel < plane) premultiplied_rgba8(planar, plane, pixel, rgba + 4 * pixel);
}

void launch_to_rgba8(const float* planar, int size, unsigned char* rgba, cudaStream_t stream) {
  const int plane = size * size;
  to_rgba8_kernel<<<(plane + 255) / 256, 256, 0, stream>>>(planar, plane, rgba);
  check(cudaGetLastError(), "launching the RGBA8 conversion");
}

}  // namespace tha4::gpu
