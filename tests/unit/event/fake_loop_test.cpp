#include <catch2/catch.hpp>

#include "event/fake/fake_loop.h"

using namespace pier::event;
using namespace std::chrono_literals;

TEST_CASE("fake loop fires timers in deadline order on simulated time", "[event]") {
  FakeLoop loop;
  std::vector<int> order;
  auto late = loop.create_timer([&] { order.push_back(2); });
  auto early = loop.create_timer([&] { order.push_back(1); });
  late->start(200ms);
  early->start(100ms);
  loop.advance(99ms);
  CHECK(order.empty());
  loop.advance(200ms);
  CHECK(order == std::vector<int>{1, 2});
  CHECK_FALSE(late->active());
}

TEST_CASE("fake loop repeats and a timer may destroy itself in its callback", "[event]") {
  FakeLoop loop;
  int fired = 0;
  std::unique_ptr<Timer> timer;
  timer = loop.create_timer([&] {
    if (++fired == 3) timer.reset();
  });
  timer->start(10ms, 10ms);
  loop.advance(1000ms);
  CHECK(fired == 3);
  CHECK(loop.timer_count() == 0);
}

TEST_CASE("fake loop delivers fd, pidfd and signal events only to live watches", "[event]") {
  FakeLoop loop;
  int reads = 0, exits = 0, signals = 0;
  auto fd = loop.watch_fd(7, kReadable, [&](int ev) { reads += (ev & kReadable) ? 1 : 0; });
  auto pid = loop.watch_pidfd(9, [&] { ++exits; });
  auto sig = loop.watch_signal(15, [&] { ++signals; });
  loop.make_ready(7, kReadable);
  loop.make_ready(7, kWritable);  // not asked for
  loop.exit_process(9);
  loop.exit_process(9);  // fires once
  loop.raise(15);
  CHECK(reads == 1);
  CHECK(exits == 1);
  CHECK(signals == 1);
  fd->reset();
  loop.make_ready(7, kReadable);
  CHECK(reads == 1);
}

namespace {
struct Tracked : DeferredDeletable {
  explicit Tracked(bool& gone) : gone_(gone) {}
  ~Tracked() override { gone_ = true; }
  bool& gone_;
};
}  // namespace

TEST_CASE("deferred deletion happens after the current callback", "[event]") {
  FakeLoop loop;
  bool gone = false;
  loop.post([&] {
    loop.defer_delete(std::make_unique<Tracked>(gone));
    CHECK_FALSE(gone);
  });
  loop.run_pending();
  CHECK(gone);
}
