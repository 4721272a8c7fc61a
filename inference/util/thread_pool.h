#pragma once
// A small fixed pool for data-parallel loops: parallel_for splits [0, n) into contiguous chunks, one per
// thread, runs them on the pool's workers plus the calling thread, and returns when all are done.
// Workers are created once; a loop allocates nothing.

#include <condition_variable>
#include <cstddef>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace tha4 {

class ThreadPool {
 public:
  // `threads` counts the calling thread: 1 runs everything inline.
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return static_cast<int>(workers_.size()) + 1; }

  // Calls body(begin, end, thread_index) on disjoint chunks covering [0, n). Not re-entrant.
  using Body = std::function<void(std::size_t begin, std::size_t end, int thread_index)>;
  void parallel_for(std::size_t n, const Body& body);

 private:
  void worker_loop(int index);
  void run_chunk(std::size_t n, int index);

  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable start_;
  std::condition_variable done_;
  const Body* body_ = nullptr;
  std::size_t n_ = 0;
  std::size_t generation_ = 0;
  int pending_ = 0;
  bool stopping_ = false;
  std::exception_ptr error_;
};

}  // namespace tha4
