// A loop with simulated time for unit tests: nothing happens until the test advances
// the clock or says an fd is ready, so state machines are tested without sleeps.
#pragma once

#include <map>
#include <memory>
#include <vector>

#include "event/loop.h"

namespace pier::event {

class FakeLoop final : public Loop {
 public:
  FakeLoop();
  ~FakeLoop() override;

  std::unique_ptr<Timer> create_timer(std::function<void()> on_fire) override;
  Result<std::unique_ptr<FdWatch>> watch_fd(int fd, int events,
                                            std::function<void(int)> on_ready) override;
  Result<std::unique_ptr<PidfdWatch>> watch_pidfd(int pidfd, std::function<void()> on_exit) override;
  Result<std::unique_ptr<SignalWatch>> watch_signal(int signum, std::function<void()> on_signal) override;
  void post(std::function<void()> fn) override;
  void defer_delete(std::unique_ptr<DeferredDeletable> object) override;
  Clock::time_point now() const override;
  void run() override;
  bool run_until(const std::function<bool()>& done, Duration timeout) override;
  void stop() override {}

  // Test controls. Each runs posted work and deferred deletions afterwards.
  void advance(Duration by);  // fires due timers in deadline order
  void make_ready(int fd, int events);  // wakes watches of `fd` that want `events`
  void exit_process(int pidfd);
  void raise(int signum);
  void run_pending();  // posted functions and deferred deletions
  size_t timer_count() const;
  size_t deferred_count() const;

  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace pier::event
