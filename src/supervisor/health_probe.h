// One health probe in flight: the process exec'd in the container, the watch on its
// exit and its timeout. The container owns each run; a run hands itself back through
// `on_exit` once its process is reaped, and the owner frees it by deferred deletion
// (never from inside the run's own callback). The pidfd and the loop handles go with it.
// What the probe writes (stdout and stderr, one pipe) is kept up to Docker's 4 KiB.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "base/result.h"
#include "event/loop.h"
#include "runtime/container.h"

namespace pier::supervisor {

// Docker's numbers (shared/security.md): a probe's output is cut at 4 KiB, and the
// last 5 results are kept.
inline constexpr size_t kProbeOutputMax = 4096;
inline constexpr size_t kProbeResultsKept = 5;

struct ProbeResult {
  int exit_code = -1;  // -1: timed out (Docker's value), else the exit code or 128+signal
  std::string output;  // the first kProbeOutputMax bytes
  bool timed_out = false;  // killed at its timeout
  bool passed() const { return exit_code == 0; }
};

// The last kProbeResultsKept results of a container's run, oldest first (Docker's
// State.Health.Log).
class ProbeHistory {
 public:
  void add(ProbeResult result) {
    results_.push_back(std::move(result));
    while (results_.size() > kProbeResultsKept) results_.pop_front();
  }
  void clear() { results_.clear(); }
  const std::deque<ProbeResult>& results() const { return results_; }

 private:
  std::deque<ProbeResult> results_;
};

class ProbeRun final : public event::DeferredDeletable {
 public:
  // `on_result(result)`: once, at exit or at the timeout (a failure; the process is
  // killed then; no timeout: it may run as long as it likes). `on_exit(run)`: once, after the process was reaped. `output`: the
  // read end of the probe's stdout/stderr pipe, or none. `wait` reads the exit code
  // once the pidfd is readable (the container's driver; the runtime's by default).
  using Wait = std::function<Result<int>(int pidfd)>;
  static Result<std::unique_ptr<ProbeRun>> start(event::Loop& loop, runtime::ExecHandle handle, UniqueFd output,
                                                 std::optional<std::chrono::milliseconds> timeout,
                                                 std::function<void(ProbeResult)> on_result,
                                                 std::function<void(ProbeRun&)> on_exit, Wait wait = runtime::wait);
  // A probe still running (its owner went first) is killed.
  ~ProbeRun() override;

 private:
  ProbeRun(runtime::ExecHandle handle, UniqueFd output, std::function<void(ProbeResult)> on_result,
           std::function<void(ProbeRun&)> on_exit, Wait wait);
  void kill_group();
  void read_output();
  void report(ProbeResult result);
  void exited();

  runtime::ExecHandle handle_;
  UniqueFd output_;
  std::string captured_;
  std::function<void(ProbeResult)> on_result_;
  std::function<void(ProbeRun&)> on_exit_;
  Wait wait_;
  std::unique_ptr<event::PidfdWatch> watch_;
  std::unique_ptr<event::FdWatch> output_watch_;  // after output_: stops before it closes
  std::unique_ptr<event::Timer> timer_;
  bool reaped_ = false;
};

}  // namespace pier::supervisor
