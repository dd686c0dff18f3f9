#include "supervisor/health_probe.h"

#include <signal.h>
#include <sys/wait.h>

#include "sys/syscalls.h"

namespace pier::supervisor {

ProbeRun::ProbeRun(runtime::ExecHandle handle, std::function<void(bool)> on_result,
                   std::function<void(ProbeRun&)> on_exit)
    : handle_(std::move(handle)), on_result_(std::move(on_result)), on_exit_(std::move(on_exit)) {}

Result<std::unique_ptr<ProbeRun>> ProbeRun::start(event::Loop& loop, runtime::ExecHandle handle,
                                                  std::chrono::milliseconds timeout,
                                                  std::function<void(bool)> on_result,
                                                  std::function<void(ProbeRun&)> on_exit) {
  std::unique_ptr<ProbeRun> run(new ProbeRun(std::move(handle), std::move(on_result), std::move(on_exit)));
  ProbeRun* self = run.get();
  PIER_TRY(run->watch_, loop.watch_pidfd(run->handle_.pidfd.get(), [self] { self->exited(); }));
  run->timer_ = loop.create_timer([self] {
    // Killed, but still ours until its exit is seen and it is reaped.
    self->kill_group();
    self->report(false);
  });
  run->timer_->start(std::chrono::duration_cast<event::Duration>(timeout));
  return run;
}

ProbeRun::~ProbeRun() {
  if (reaped_ || !handle_.pidfd) return;
  kill_group();
  // Reap it if it is already gone; the loop must not wait for a process that is not.
  siginfo_t info{};
  ::waitid(P_PIDFD, static_cast<id_t>(handle_.pidfd.get()), &info, WEXITED | WNOHANG);
}

// The exec'd probe leads a session and process group of its own (runtime/process/child
// calls setsid), and what it starts stays in that group unless it leaves on purpose: one
// kill reaches `sh -c 'sleep 1000 & ...'` and every child, where a signal to the pidfd
// alone would leave the children to the container's init. The group is named by the
// leader's host pid, which cannot be reused while the leader is unreaped: this is only
// called before `exited` reaps it. Group numbers are PID-namespace-relative, and the
// supervisor sees the probe's processes in its own (host) namespace, where it runs kill.
void ProbeRun::kill_group() {
  if (handle_.pid > 0) ::kill(-handle_.pid, SIGKILL);
  sys::pidfd_send_signal(handle_.pidfd.get(), SIGKILL);
}

void ProbeRun::report(bool passed) {
  timer_.reset();
  if (!on_result_) return;
  auto result = std::move(on_result_);
  on_result_ = nullptr;
  result(passed);
}

void ProbeRun::exited() {
  auto code = runtime::wait(handle_.pidfd.get());
  reaped_ = true;
  report(code.ok() && *code == 0);
  on_exit_(*this);
}

}  // namespace pier::supervisor
