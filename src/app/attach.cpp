#include "app/attach.h"

#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <thread>

#include "app/logs/log_follower.h"
#include "sys/syscalls.h"

namespace pier::app {
namespace {

void print(const std::vector<logs::LogEntry>& entries) {
  for (const auto& e : entries) {
    FILE* out = e.stream == logs::Stream::err ? stderr : stdout;
    std::fwrite(e.text.data(), 1, e.text.size(), out);
    std::fflush(out);
  }
}

// The exit code the supervisor records once it has reaped the container (bounded: a
// supervisor that is gone leaves the record as it was).
int recorded_exit_code(const state::ProjectPaths& paths, const std::string& name) {
  state::RecordStore store(paths.records_dir());
  for (int i = 0; i < 100; ++i) {
    auto r = store.read(name);
    if (!r) return 0;
    if (r->state != state::ContainerState::running && r->state != state::ContainerState::paused)
      return r->exit_code;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return 0;
}

}  // namespace

Result<int> attach_container(const state::ProjectPaths& paths, const state::ContainerRecord& r,
                             const AttachOptions& o) {
  UniqueFd pidfd(sys::pidfd_open(r.pid));
  if (!pidfd || !state::process_matches(r.pid, r.pid_start_time) ||
      (r.state != state::ContainerState::running && r.state != state::ContainerState::paused))
    return Error("container " + r.name + " is not running").hint("start it with `pier up -d` or `pier start`");
  PIER_TRY(std::string log, paths.log_file(r.name));
  PIER_TRY(auto follower, logs::LogFollower::open(log, false));

  // Signals arrive on a descriptor, so the loop below sees them between reads.
  sigset_t signals, previous;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  if (::sigprocmask(SIG_BLOCK, &signals, &previous) != 0) return Error::system("block", "SIGINT and SIGTERM", errno);
  struct Restore {
    sigset_t mask;
    ~Restore() { ::sigprocmask(SIG_SETMASK, &mask, nullptr); }
  } restore{previous};
  UniqueFd signal_fd(::signalfd(-1, &signals, SFD_CLOEXEC | SFD_NONBLOCK));
  if (!signal_fd) return Error::system("open", "a signalfd", errno);

  for (;;) {
    pollfd fds[3] = {{follower->fd(), POLLIN, 0}, {pidfd.get(), POLLIN, 0}, {signal_fd.get(), POLLIN, 0}};
    if (::poll(fds, 3, 500) < 0 && errno != EINTR) return Error::system("poll", "the log of " + r.name, errno);
    PIER_TRY(auto entries, follower->read_new());
    print(entries);
    if (fds[2].revents & POLLIN) {
      signalfd_siginfo info{};
      while (::read(signal_fd.get(), &info, sizeof info) == sizeof info) {
        if (!o.sig_proxy) return 128 + static_cast<int>(info.ssi_signo);
        (void)sys::pidfd_send_signal(pidfd.get(), static_cast<int>(info.ssi_signo));
      }
    }
    if (fds[1].revents & POLLIN) {
      // The main process exited: what it wrote last reaches the log a moment later.
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      PIER_TRY(auto last, follower->read_new());
      print(last);
      return recorded_exit_code(paths, r.name);
    }
  }
}

}  // namespace pier::app
