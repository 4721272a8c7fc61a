#pragma once
// A one-slot mailbox: producers publish, readers copy the newest value. The lock is held only for the
// copy of one value, so a reader never waits on the producer's work.

#include <mutex>
#include <optional>

namespace tha4::tracking {

template <class T>
class LatestValue {
 public:
  void publish(const T& value) {
    std::lock_guard<std::mutex> lock(mutex_);
    value_ = value;
  }
  std::optional<T> read() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return value_;
  }
  void clear() {
    std::lock_guard<std::mutex> lock(mutex_);
    value_.reset();
  }

 private:
  mutable std::mutex mutex_;
  std::optional<T> value_;
};

}  // namespace tha4::tracking
