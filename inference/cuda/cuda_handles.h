#pragma once
// RAII owners of the CUDA runtime objects the engine uses: device memory, pinned host memory, a stream
// and an instantiated graph. Host-only (compiled with THA4_CUDA).

#include <cuda_runtime.h>

#include <cstddef>
#include <utility>
#include <vector>

namespace tha4::gpu {

// Throws tha4::Error naming `what` and the CUDA error when `status` is not cudaSuccess.
void check_cuda(cudaError_t status, const char* what);

class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(std::size_t bytes);
  template <class T>
  static DeviceBuffer from(const std::vector<T>& host) {
    DeviceBuffer buffer(host.size() * sizeof(T));
    buffer.upload(host.data(), buffer.bytes());
    return buffer;
  }
  ~DeviceBuffer();
  DeviceBuffer(DeviceBuffer&& other) noexcept
      : data_(std::exchange(other.data_, nullptr)), bytes_(std::exchange(other.bytes_, 0)) {}
  DeviceBuffer& operator=(DeviceBuffer&& other) noexcept;
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;

  void upload(const void* host, std::size_t bytes);  // synchronous, at set-up time only
  template <class T>
  T* as() const {
    return static_cast<T*>(data_);
  }
  std::size_t bytes() const { return bytes_; }

 private:
  void* data_ = nullptr;
  std::size_t bytes_ = 0;
};

// Page-locked host memory: the per-frame pose lives here so the captured graph's copy node can read it.
class PinnedBuffer {
 public:
  explicit PinnedBuffer(std::size_t bytes);
  ~PinnedBuffer();
  PinnedBuffer(const PinnedBuffer&) = delete;
  PinnedBuffer& operator=(const PinnedBuffer&) = delete;
  template <class T>
  T* as() const {
    return static_cast<T*>(data_);
  }

 private:
  void* data_ = nullptr;
};

class Stream {
 public:
  Stream();
  ~Stream();
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;
  cudaStream_t get() const { return stream_; }

 private:
  cudaStream_t stream_ = nullptr;
};

// An event with timing, for measuring GPU time between two records on a stream.
class TimingEvent {
 public:
  TimingEvent();
  ~TimingEvent();
  TimingEvent(const TimingEvent&) = delete;
  TimingEvent& operator=(const TimingEvent&) = delete;
  cudaEvent_t get() const { return event_; }
  void record(cudaStream_t stream);
  // Milliseconds from `earlier` to this event; both must have completed.
  float since(const TimingEvent& earlier) const;

 private:
  cudaEvent_t event_ = nullptr;
};

// A captured and instantiated launch sequence, replayed with one cudaGraphLaunch per frame.
class Graph {
 public:
  Graph() = default;
  ~Graph();
  Graph(const Graph&) = delete;
  Graph& operator=(const Graph&) = delete;
  bool ready() const { return exec_ != nullptr; }
  // Records everything `enqueue` puts on `stream` (not run), then instantiates it.
  template <class Enqueue>
  void capture(cudaStream_t stream, Enqueue&& enqueue) {
    check_cuda(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal), "cudaStreamBeginCapture");
    try {
      enqueue();
    } catch (...) {
      cudaGraph_t broken = nullptr;
      cudaStreamEndCapture(stream, &broken);
      if (broken) cudaGraphDestroy(broken);
      throw;
    }
    end_capture(stream);
  }
  void launch(cudaStream_t stream) const;

 private:
  void end_capture(cudaStream_t stream);
  cudaGraph_t graph_ = nullptr;
  cudaGraphExec_t exec_ = nullptr;
};

}  // namespace tha4::gpu
