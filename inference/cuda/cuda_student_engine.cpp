#include "inference/cuda/cuda_student_engine.h"

#include "inference/cuda/cuda_handles.h"
#include "inference/cuda/gpu_layout.h"
#include "inference/cuda/student_kernels.cuh"
#include "inference/util/errors.h"

#include <algorithm>
#include <cstdint>

namespace tha4::gpu {
namespace {

struct UploadedLinear {
  DeviceBuffer weights;
  DeviceBuffer bias;
  DeviceLinear view;
};

// Balanced weights are stored as binary16, rounded like __float2half_rn (and like the emulation).
UploadedLinear upload(const GpuLinear& linear, Precision precision) {
  UploadedLinear up;
  if (precision == Precision::kQuality) {
    up.weights = DeviceBuffer::from(linear.weights);
  } else {
    std::vector<std::uint16_t> halves(linear.weights.size());
    std::transform(linear.weights.begin(), linear.weights.end(), halves.begin(), half_bits);
    up.weights = DeviceBuffer::from(halves);
  }
  up.bias = DeviceBuffer::from(linear.bias);
  up.view = {up.weights.as<void>(), up.bias.as<float>(), linear.in, linear.out};
  return up;
}

struct UploadedLevel {
  DeviceBuffer wx, wy, bias, pose_weights, grid, frame_bias, output;  // output: the head's, where owned
  std::vector<UploadedLinear> rest;
  UploadedLinear head;
  LevelLaunch launch;
  int pose_size = 0;
};

UploadedLevel upload(const GpuLevel& level, Precision precision) {
  UploadedLevel up;
  up.wx = DeviceBuffer::from(level.wx);
  up.wy = DeviceBuffer::from(level.wy);
  up.bias = DeviceBuffer::from(level.bias);
  up.pose_weights = DeviceBuffer::from(level.pose_weights);
  up.grid = DeviceBuffer::from(level.grid);
  up.frame_bias = DeviceBuffer(level.bias.size() * sizeof(float));
  up.pose_size = level.pose_size;
  if (level.rest.size() > static_cast<std::size_t>(kMaxRestLayers))
    throw Error("a student level has too many layers for the CUDA kernels");
  for (const auto& layer : level.rest) up.rest.push_back(upload(layer, precision));
  up.head = upload(level.head, precision);
  LevelLaunch& l = up.launch;
  l.size = level.size;
  l.channels = level.channels;
  l.widest = level.widest();
  l.frame_bias = up.frame_bias.as<float>();
  l.wx = up.wx.as<float>();
  l.wy = up.wy.as<float>();
  l.grid = up.grid.as<float>();
  l.low_size = level.low_size;
  l.rest_count = static_cast<int>(up.rest.size());
  for (std::size_t i = 0; i < up.rest.size(); ++i) l.rest[i] = up.rest[i].view;
  l.head = up.head.view;
  l.head_kind = level.head_kind;
  return up;
}

std::size_t plane_floats(int size) { return static_cast<std::size_t>(size) * size; }

}  // namespace

struct CudaStudentEngine::Impl {
  Precision precision;
  int image_size = 0;
  Stream stream;
  UploadedLevel face;
  std::vector<UploadedLevel> body;
  DeviceBuffer image;  // the character with the current face pasted, planar RGBA
  DeviceBuffer face_out;
  DeviceBuffer blended;
  DeviceBuffer rgba8;                                     // the blended image as texture bytes, converted on demand
  DeviceBuffer alpha, color_change, warped, grid_change;  // debug outputs only
  DeviceBuffer pose;                                      // the frame's pose, copied from `pinned_pose` by the graph
  PinnedBuffer pinned_pose{sizeof(Pose)};
  Graph with_face, body_only;
  TimingEvent frame_start, frame_end;  // around the last launched frame, for last_gpu_ms()
  float last_gpu_ms = 0.0f;

  bool has_face = false;
  Pose face_pose{};
  bool has_frame = false;
  Pose frame_pose{};

  // The per-frame launch sequence: pose upload, frame biases, [face], body levels 0..n−1.
  void enqueue(bool run_face) {
    cudaStream_t s = stream.get();
    check_cuda(cudaMemcpyAsync(pose.as<float>(), pinned_pose.as<float>(), sizeof(Pose), cudaMemcpyHostToDevice, s),
               "cudaMemcpyAsync (pose)");
    std::vector<FrameBiasJob> jobs;
    const auto job = [](UploadedLevel& level) {
      return FrameBiasJob{level.bias.as<float>(), level.pose_weights.as<float>(), level.launch.channels,
                          level.pose_size, level.frame_bias.as<float>()};
    };
    if (run_face) jobs.push_back(job(face));
    for (auto& level : body) jobs.push_back(job(level));
    launch_frame_bias(jobs.data(), static_cast<int>(jobs.size()), pose.as<float>(), s);
    if (run_face) launch_level(face.launch, precision, s);
    for (auto& level : body) launch_level(level.launch, precision, s);
  }
};

CudaStudentEngine::CudaStudentEngine(const fast::PackedFaceMorpher& face, const fast::PackedBodyMorpher& body,
                                     const float* character, Precision precision, int device, bool debug_outputs)
    : precision_(precision), impl_(std::make_unique<Impl>()) {
  check_cuda(cudaSetDevice(device), "cudaSetDevice");
  Impl& m = *impl_;
  m.precision = precision;
  const GpuNetworks networks = layout_networks(face, body);
  if (networks.body.empty() || networks.body.size() + 1 > static_cast<std::size_t>(kMaxFrameBiasJobs)) {
    throw Error("the CUDA engine expects a body morpher with 1 to 3 levels");
  }
  m.image_size = networks.body.back().size;
  m.face = upload(networks.face, precision);
  for (const auto& level : networks.body) m.body.push_back(upload(level, precision));

  const std::size_t image_floats = 4 * plane_floats(m.image_size);
  m.image = DeviceBuffer(image_floats * sizeof(float));
  m.image.upload(character, image_floats * sizeof(float));
  m.face_out = DeviceBuffer(4 * plane_floats(networks.face.size) * sizeof(float));
  m.blended = DeviceBuffer(image_floats * sizeof(float));
  m.pose = DeviceBuffer(sizeof(Pose));

  LevelLaunch& f = m.face.launch;
  f.face = m.face_out.as<float>();
  f.image = m.image.as<float>();
  f.image_size = m.image_size;
  for (std::size_t i = 0; i < m.body.size(); ++i) {
    LevelLaunch& l = m.body[i].launch;
    if (i > 0) l.low_features = m.body[i - 1].launch.features;
    if (l.head_kind == HeadKind::kFeatures) {
      m.body[i].output = DeviceBuffer(static_cast<std::size_t>(l.head.out) * plane_floats(l.size) * sizeof(float));
      l.features = m.body[i].output.as<float>();
      continue;
    }
    l.image = m.image.as<float>();
    l.image_size = m.image_size;
    l.blended = m.blended.as<float>();
    if (debug_outputs) {
      const std::size_t plane = plane_floats(l.size) * sizeof(float);
      m.alpha = DeviceBuffer(plane);
      m.color_change = DeviceBuffer(4 * plane);
      m.warped = DeviceBuffer(4 * plane);
      m.grid_change = DeviceBuffer(2 * plane);
      l.alpha = m.alpha.as<float>();
      l.color_change = m.color_change.as<float>();
      l.warped = m.warped.as<float>();
      l.grid_change = m.grid_change.as<float>();
    }
  }

  std::size_t shared = level_shared_bytes(f.widest, precision);
  for (const auto& level : m.body) shared = std::max(shared, level_shared_bytes(level.launch.widest, precision));
  allow_level_shared_bytes(shared);
}

CudaStudentEngine::~CudaStudentEngine() = default;

int CudaStudentEngine::image_size() const { return impl_->image_size; }

bool CudaStudentEngine::launch_frame(const Pose& pose) {
  check_pose_finite(pose);
  Impl& m = *impl_;
  if (m.has_frame && pose == m.frame_pose) return false;
  const bool run_face =
      !m.has_face || !std::equal(pose.begin(), pose.begin() + kFaceMorpherPoseSize, m.face_pose.begin());
  // The previous frame's graph has finished (every public call synchronises), so the pinned pose is free.
  std::copy(pose.begin(), pose.end(), m.pinned_pose.as<float>());
  Graph& graph = run_face ? m.with_face : m.body_only;
  if (!graph.ready()) graph.capture(m.stream.get(), [&] { m.enqueue(run_face); });
  m.frame_start.record(m.stream.get());
  graph.launch(m.stream.get());
  m.frame_end.record(m.stream.get());
  if (run_face) {
    m.face_pose = pose;
    m.has_face = true;
  }
  m.frame_pose = pose;
  m.has_frame = true;
  return true;
}

void CudaStudentEngine::finish_frame(bool launched, const char* what) {
  Impl& m = *impl_;
  check_cuda(cudaStreamSynchronize(m.stream.get()), what);
  m.last_gpu_ms = launched ? m.frame_end.since(m.frame_start) : 0.0f;
}

const float* CudaStudentEngine::render(const Pose& pose) {
  finish_frame(launch_frame(pose), "running the student graph");
  return impl_->blended.as<float>();
}

const unsigned char* CudaStudentEngine::render_rgba8(const Pose& pose) {
  Impl& m = *impl_;
  const bool launched = launch_frame(pose);
  const std::size_t bytes = 4 * plane_floats(m.image_size);
  if (m.rgba8.bytes() != bytes) m.rgba8 = DeviceBuffer(bytes);
  // Same stream, no wait in between: one synchronisation per frame.
  launch_to_rgba8(m.blended.as<float>(), m.image_size, m.rgba8.as<unsigned char>(), m.stream.get());
  finish_frame(launched, "running the student graph and converting the frame to RGBA8");
  return m.rgba8.as<unsigned char>();
}

float CudaStudentEngine::last_gpu_ms() const { return impl_->last_gpu_ms; }

void CudaStudentEngine::copy_rgba8_to_host(std::vector<unsigned char>& out) const {
  out.resize(impl_->rgba8.bytes());
  if (out.empty()) return;
  check_cuda(cudaMemcpy(out.data(), impl_->rgba8.as<unsigned char>(), out.size(), cudaMemcpyDeviceToHost),
             "cudaMemcpy (rgba8)");
}

int cuda_device_count() {
  int count = 0;
  return cudaGetDeviceCount(&count) == cudaSuccess ? count : 0;
}

void CudaStudentEngine::copy_blended_to_host(std::vector<float>& out) const {
  out.resize(impl_->blended.bytes() / sizeof(float));
  check_cuda(cudaMemcpy(out.data(), impl_->blended.as<float>(), impl_->blended.bytes(), cudaMemcpyDeviceToHost),
             "cudaMemcpy (blended)");
}

CudaDebugOutputs CudaStudentEngine::copy_debug_outputs() const {
  const Impl& m = *impl_;
  const auto download = [](const DeviceBuffer& buffer) {
    std::vector<float> host(buffer.bytes() / sizeof(float));
    if (!host.empty()) {
      check_cuda(cudaMemcpy(host.data(), buffer.as<float>(), buffer.bytes(), cudaMemcpyDeviceToHost),
                 "cudaMemcpy (debug)");
    }
    return host;
  };
  return {download(m.alpha), download(m.color_change), download(m.warped), download(m.grid_change),
          download(m.face_out)};
}

}  // namespace tha4::gpu
