#include "plugin/runtime/runtime_reaper.h"

#include "plugin/runtime/avatar_runtime.h"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <utility>

namespace tha4::avatar {
namespace {

class Reaper {
 public:
  ~Reaper() { drain(); }

  void retire(std::unique_ptr<AvatarRuntime> runtime) {
    if (!runtime) return;
    runtime->stop();
    std::lock_guard<std::mutex> lock(mutex_);
    retired_.push_back(std::move(runtime));
    if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
    wake_.notify_all();
  }

  void drain() {
    std::thread finishing;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      draining_ = true;
      finishing = std::move(thread_);
    }
    wake_.notify_all();
    if (finishing.joinable()) finishing.join();
    std::lock_guard<std::mutex> lock(mutex_);
    draining_ = false;  // a later retire (a module loaded again) starts a new thread
  }

 private:
  void run() {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      wake_.wait(lock, [&] { return draining_ || !retired_.empty(); });
      if (retired_.empty()) return;  // draining, and nothing left
      std::unique_ptr<AvatarRuntime> runtime = std::move(retired_.front());
      retired_.pop_front();
      lock.unlock();
      runtime.reset();  // joins its worker and trackers
      lock.lock();
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::unique_ptr<AvatarRuntime>> retired_;
  bool draining_ = false;
  std::thread thread_;
};

Reaper& reaper() {
  static Reaper instance;
  return instance;
}

}  // namespace

void retire_runtime(std::unique_ptr<AvatarRuntime> runtime) { reaper().retire(std::move(runtime)); }
void drain_retired_runtimes() { reaper().drain(); }

}  // namespace tha4::avatar
