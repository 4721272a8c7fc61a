#include "inference/cuda/cuda_handles.h"

#include "inference/util/errors.h"

#include <string>

namespace tha4::gpu {

void check_cuda(cudaError_t status, const char* what) {
  if (status != cudaSuccess) throw Error(std::string(what) + " failed: " + cudaGetErrorString(status));
}

DeviceBuffer::DeviceBuffer(std::size_t bytes) : bytes_(bytes) {
  check_cuda(cudaMalloc(&data_, bytes == 0 ? 1 : bytes), "cudaMalloc");
}

DeviceBuffer::~DeviceBuffer() {
  if (data_) cudaFree(data_);
}

DeviceBuffer& DeviceBuffer::operator=(DeviceBuffer&& other) noexcept {
  if (this != &other) {
    if (data_) cudaFree(data_);
    data_ = std::exchange(other.data_, nullptr);
    bytes_ = std::exchange(other.bytes_, 0);
  }
  return *this;
}

void DeviceBuffer::upload(const void* host, std::size_t bytes) {
  if (bytes > bytes_) throw Error("DeviceBuffer::upload: more bytes than the buffer holds");
  check_cuda(cudaMemcpy(data_, host, bytes, cudaMemcpyHostToDevice), "cudaMemcpy (upload)");
}

PinnedBuffer::PinnedBuffer(std::size_t bytes) { check_cuda(cudaMallocHost(&data_, bytes), "cudaMallocHost"); }

PinnedBuffer::~PinnedBuffer() {
  if (data_) cudaFreeHost(data_);
}

Stream::Stream() { check_cuda(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking), "cudaStreamCreate"); }

Stream::~Stream() {
  if (stream_) cudaStreamDestroy(stream_);
}

TimingEvent::TimingEvent() { check_cuda(cudaEventCreate(&event_), "cudaEventCreate"); }

TimingEvent::~TimingEvent() {
  if (event_) cudaEventDestroy(event_);
}

void TimingEvent::record(cudaStream_t stream) { check_cuda(cudaEventRecord(event_, stream), "cudaEventRecord"); }

float TimingEvent::since(const TimingEvent& earlier) const {
  float ms = 0.0f;
  check_cuda(cudaEventElapsedTime(&ms, earlier.event_, event_), "cudaEventElapsedTime");
  return ms;
}

Graph::~Graph() {
  if (exec_) cudaGraphExecDestroy(exec_);
  if (graph_) cudaGraphDestroy(graph_);
}

void Graph::end_capture(cudaStream_t stream) {
  check_cuda(cudaStreamEndCapture(stream, &graph_), "cudaStreamEndCapture");
  check_cuda(cudaGraphInstantiate(&exec_, graph_, 0), "cudaGraphInstantiate");
}

void Graph::launch(cudaStream_t stream) const { check_cuda(cudaGraphLaunch(exec_, stream), "cudaGraphLaunch"); }

}  // namespace tha4::gpu
