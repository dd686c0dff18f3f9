#include "supervisor/health_probe.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include "sys/syscalls.h"

namespace pier::supervisor {

ProbeRun::ProbeRun(runtime::ExecHandle handle, UniqueFd output, std::function<void(ProbeResult)> on_result,
                   std::function<void(ProbeRun&)> on_exit, Wait wait)
    : handle_(std::move(handle)),
      output_(std::move(output)),
      on_result_(std::move(on_result)),
      on_exit_(std::move(on_exit)),
      wait_(std::move(wait)) {}

Result<std::unique_ptr<ProbeRun>> ProbeRun::start(event::Loop& loop, runtime::ExecHandle handle, UniqueFd output,
                                                  std::optional<std::chrono::milliseconds> timeout,
                                                  std::function<void(ProbeResult)> on_result,
                                                  std::function<void(ProbeRun&)> on_exit, Wait wait) {
  std::unique_ptr<ProbeRun> run(new ProbeRun(std::move(handle), std::move(output), std::move(on_result),
                                             std::move(on_exit), std::move(wait)));
  ProbeRun* self = run.get();
  if (run->output_) {
    // Read as it comes: a probe that writes more than a pipe holds must not block on it.
    ::fcntl(run->output_.get(), F_SETFL, ::fcntl(run->output_.get(), F_GETFL) | O_NONBLOCK);
    PIER_TRY(run->output_watch_, loop.watch_fd(run->output_.get(), event::kReadable, [self](int) {
      self->read_output();
    }));
  }
  PIER_TRY(run->watch_, loop.watch_pidfd(run->handle_.pidfd.get(), [self] { self->exited(); }));
  if (!timeout) return run;
  run->timer_ = loop.create_timer([self, limit = *timeout] {
    // Killed, but still ours until its exit is seen and it is reaped.
    self->kill_group();
    self->report({-1, fmt::format("health check exceeded timeout ({}ms)", limit.count()), true});
  });
  run->timer_->start(std::chrono::duration_cast<event::Duration>(*timeout));
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

// Keeps the first kProbeOutputMax bytes and drains the rest. At end of file (every
// writer gone) the watch pauses; the fd closes with the run.
void ProbeRun::read_output() {
  if (!output_) return;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(output_.get(), buf, sizeof buf);
    if (n > 0) {
      size_t room = kProbeOutputMax - std::min(captured_.size(), kProbeOutputMax);
      captured_.append(buf, std::min(static_cast<size_t>(n), room));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n == 0 || errno != EAGAIN) {
      if (output_watch_) output_watch_->set_events(0);
    }
    return;
  }
}

void ProbeRun::report(ProbeResult result) {
  timer_.reset();
  if (!on_result_) return;
  auto on_result = std::move(on_result_);
  on_result_ = nullptr;
  on_result(std::move(result));
}

void ProbeRun::exited() {
  auto code = wait_(handle_.pidfd.get());
  reaped_ = true;
  // What it wrote before exiting is in the pipe now; a child it left behind may still
  // hold the write end, so this reads what is there and does not wait for end of file.
  read_output();
  report({code.ok() ? *code : -1, captured_});
  on_exit_(*this);
}

}  // namespace pier::supervisor
