// One health probe in flight: the process exec'd in the container, the watch on its
// exit and its timeout. The container owns each run; a run hands itself back through
// `on_exit` once its process is reaped, and the owner frees it by deferred deletion
// (never from inside the run's own callback). The pidfd and the loop handles go with it.
#pragma once

#include <chrono>
#include <functional>
#include <memory>

#include "base/result.h"
#include "event/loop.h"
#include "runtime/container.h"

namespace pier::supervisor {

class ProbeRun final : public event::DeferredDeletable {
 public:
  // `on_result(passed)`: once, at exit or at the timeout (a failure; the process is
  // killed then). `on_exit(run)`: once, after the process was reaped.
  static Result<std::unique_ptr<ProbeRun>> start(event::Loop& loop, runtime::ExecHandle handle,
                                                 std::chrono::milliseconds timeout,
                                                 std::function<void(bool passed)> on_result,
                                                 std::function<void(ProbeRun&)> on_exit);
  // A probe still running (its owner went first) is killed.
  ~ProbeRun() override;

 private:
  ProbeRun(runtime::ExecHandle handle, std::function<void(bool)> on_result, std::function<void(ProbeRun&)> on_exit);
  void kill_group();
  void report(bool passed);
  void exited();

  runtime::ExecHandle handle_;
  std::function<void(bool)> on_result_;
  std::function<void(ProbeRun&)> on_exit_;
  std::unique_ptr<event::PidfdWatch> watch_;
  std::unique_ptr<event::Timer> timer_;
  bool reaped_ = false;
};

}  // namespace pier::supervisor
