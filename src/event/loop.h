// The loop interface. Every timer, fd watch, pidfd watch and signal watch is made
// through a Loop, so code above event/ runs unchanged on libuv (event/uv/) or on the
// fake loop with simulated time (event/fake/). Nothing outside event/uv/ sees <uv.h>.
#pragma once

#include <chrono>
#include <functional>
#include <memory>

#include "base/result.h"

namespace pier::event {

using Clock = std::chrono::steady_clock;
using Duration = std::chrono::milliseconds;

// Owns a timer. Destroying it cancels the timer, also from inside its own callback.
class Timer {
 public:
  virtual ~Timer() = default;
  // Fires once after `after`, then every `repeat` if it is not zero.
  virtual void start(Duration after, Duration repeat = Duration::zero()) = 0;
  virtual void stop() = 0;
  virtual bool active() const = 0;
};

// Anything handed to Loop::defer_delete: destroyed on the next loop iteration, after
// the callback that released it has returned (envoy's DeferredDeletable).
class DeferredDeletable {
 public:
  virtual ~DeferredDeletable() = default;
};

enum FdEvents : int { kReadable = 1, kWritable = 2 };

// Watches an fd the caller owns. Destroying the watch stops it; the fd stays open.
class FdWatch {
 public:
  virtual ~FdWatch() = default;
  // Changes which of kReadable/kWritable wake the callback; 0 pauses the watch.
  virtual void set_events(int events) = 0;
};

// Fires once when the process behind a pidfd exits (the fd becomes readable), then
// watches no more: the loop may sleep while the owner still holds it. Destroying the
// watch frees its loop handle; the pidfd stays open (the owner closes it).
// pidfds, never waitpid(-1): libuv reaps only its own children (security.md).
// Its owner drops it from its own callback with Loop::defer_delete.
class PidfdWatch : public DeferredDeletable {};

class SignalWatch {
 public:
  virtual ~SignalWatch() = default;
};

class Loop {
 public:
  virtual ~Loop() = default;

  virtual std::unique_ptr<Timer> create_timer(std::function<void()> on_fire) = 0;
  virtual Result<std::unique_ptr<FdWatch>> watch_fd(int fd, int events,
                                                    std::function<void(int events)> on_ready) = 0;
  virtual Result<std::unique_ptr<PidfdWatch>> watch_pidfd(int pidfd,
                                                          std::function<void()> on_exit) = 0;
  virtual Result<std::unique_ptr<SignalWatch>> watch_signal(int signum,
                                                            std::function<void()> on_signal) = 0;

  // Runs `fn` on the loop thread. The only Loop method that is safe from other threads.
  virtual void post(std::function<void()> fn) = 0;
  virtual void defer_delete(std::unique_ptr<DeferredDeletable> object) = 0;

  virtual Clock::time_point now() const = 0;
  // Runs until stop() or until nothing is left to wait for.
  virtual void run() = 0;
  // Runs until `done()` holds, or `timeout` passes (then returns false).
  virtual bool run_until(const std::function<bool()>& done, Duration timeout) = 0;
  virtual void stop() = 0;
};

// The production loop, backed by libuv.
Result<std::unique_ptr<Loop>> make_uv_loop();

}  // namespace pier::event
