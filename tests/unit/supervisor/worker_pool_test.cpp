// The worker pool's fire-and-forget tasks (the supervisor's settled callback): they run
// off the calling thread, and a pool being destroyed finishes them first.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "event/fake/fake_loop.h"
#include "supervisor/worker_pool.h"

using namespace pier;
using namespace pier::supervisor;

TEST_CASE("a task with nothing to report runs on a worker and is finished before the pool goes") {
  event::FakeLoop loop;
  std::atomic<bool> ran{false};
  std::thread::id ran_on;
  {
    WorkerPool pool(loop, 1);
    pool.run([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      ran_on = std::this_thread::get_id();
      ran = true;
    });
  }
  REQUIRE(ran);
  REQUIRE(ran_on != std::this_thread::get_id());
}

TEST_CASE("a pool of no threads runs a task with nothing to report at once, on the caller") {
  event::FakeLoop loop;
  WorkerPool pool(loop, 0);
  std::thread::id ran_on;
  pool.run([&] { ran_on = std::this_thread::get_id(); });
  REQUIRE(ran_on == std::this_thread::get_id());
}
