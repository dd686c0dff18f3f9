// Blocking work (spawn, destroy, exec, volume copies) runs here, never on the loop
// (design rule 6). Each task's completion is posted back to the loop thread, so
// everything that touches supervisor state stays single-threaded. A pool of no threads
// runs each task at once on the caller's thread (the unit tests on the fake loop: the
// completion still comes through the loop, in order, and no test waits on a thread).
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "event/loop.h"

namespace pier::supervisor {

class WorkerPool {
 public:
  WorkerPool(event::Loop& loop, int threads);  // 0: tasks run inline
  ~WorkerPool();  // finishes queued tasks, then joins

  // Runs `work` on a worker, with nothing to report back to the loop.
  void run(std::function<void()> work) { submit(std::move(work)); }

  // Runs `work` on a worker; then `done(result)` on the loop thread.
  template <class T>
  void run(std::function<T()> work, std::function<void(T)> done) {
    submit([this, work = std::move(work), done = std::move(done)]() mutable {
      auto result = std::make_shared<T>(work());
      loop_.post([done = std::move(done), result] { done(std::move(*result)); });
    });
  }

 private:
  void submit(std::function<void()> task);
  void worker();

  event::Loop& loop_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace pier::supervisor
