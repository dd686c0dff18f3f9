#include "app/exec.h"

#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <optional>

#include "app/stdio_relay.h"
#include "runtime/container.h"
#include "sys/syscalls.h"

namespace pier::app {
namespace {

std::vector<std::string> merge_env(std::vector<std::string> base, const std::vector<std::string>& extra) {
  for (const auto& kv : extra) {
    auto key = kv.substr(0, kv.find('='));
    std::erase_if(base, [&](const std::string& e) { return e.substr(0, e.find('=')) == key; });
    base.push_back(kv);
  }
  return base;
}

volatile sig_atomic_t g_winch = 0;
void on_winch(int) { g_winch = 1; }

// The terminal's size onto the container's pty (the kernel then sends SIGWINCH to
// the pty's foreground process group, as in a local terminal).
void copy_window_size(int master) {
  winsize ws{};
  if ((::ioctl(0, TIOCGWINSZ, &ws) == 0 || ::ioctl(1, TIOCGWINSZ, &ws) == 0) && ws.ws_row > 0)
    (void)::ioctl(master, TIOCSWINSZ, &ws);
}

// Copies between the terminal and the pty until the process exits and the pty drains.
// SIGWINCH is blocked except inside ppoll, so a resize interrupts the wait and is
// passed on at once, never lost between two polls.
void relay_tty(int master, int pidfd) {
  termios saved{};
  bool raw = ::isatty(0) && ::tcgetattr(0, &saved) == 0;
  if (raw) {
    termios t = saved;
    ::cfmakeraw(&t);
    ::tcsetattr(0, TCSANOW, &t);
  }
  struct sigaction winch {}, old_winch {};
  winch.sa_handler = on_winch;
  sigemptyset(&winch.sa_mask);
  ::sigaction(SIGWINCH, &winch, &old_winch);
  sigset_t block, saved_mask;
  sigemptyset(&block);
  sigaddset(&block, SIGWINCH);
  ::sigprocmask(SIG_BLOCK, &block, &saved_mask);
  sigset_t during_poll = saved_mask;
  sigdelset(&during_poll, SIGWINCH);
  g_winch = 0;
  copy_window_size(master);  // it may have changed since the exec was planned
  bool stdin_open = true;
  char buf[16384];
  for (;;) {
    pollfd fds[3] = {{master, POLLIN, 0}, {pidfd, POLLIN, 0}, {stdin_open ? 0 : -1, POLLIN, 0}};
    if (::ppoll(fds, 3, nullptr, &during_poll) < 0) {
      if (errno != EINTR) break;
      if (g_winch) {
        g_winch = 0;
        copy_window_size(master);
      }
      continue;
    }
    if (fds[0].revents & POLLIN) {
      ssize_t n = ::read(master, buf, sizeof buf);
      if (n > 0) (void)!::write(1, buf, static_cast<size_t>(n));
      else if (n < 0 && errno != EAGAIN && errno != EINTR) break;
    } else if (fds[0].revents & (POLLHUP | POLLERR)) {
      break;
    }
    if (fds[2].revents & (POLLIN | POLLHUP)) {
      ssize_t n = ::read(0, buf, sizeof buf);
      if (n > 0) (void)!::write(master, buf, static_cast<size_t>(n));
      else stdin_open = false;
    }
    if ((fds[1].revents & POLLIN) && !(fds[0].revents & POLLIN)) break;
  }
  ::sigprocmask(SIG_SETMASK, &saved_mask, nullptr);
  ::sigaction(SIGWINCH, &old_winch, nullptr);
  if (raw) ::tcsetattr(0, TCSANOW, &saved);
}

}  // namespace

Result<int> exec_in_container(const state::ContainerRecord& r, const ExecOptions& o) {
  if (r.state != state::ContainerState::running || !state::process_matches(r.pid, r.pid_start_time))
    return Error("container " + r.name + " is not running");
  if (r.seccomp == "custom")
    return Error("container " + r.name + " runs with a custom seccomp profile, which exec cannot apply yet");
  runtime::Container c;
  c.project = r.project;
  c.name = r.name;
  c.state_dir = r.scratch_dir;
  c.cgroup = r.cgroup;
  c.pid = r.pid;
  c.pidfd = UniqueFd(sys::pidfd_open(r.pid));
  if (!c.pidfd) return Error::system("open pidfd of container", r.name, errno);
  c.privileged = r.privileged || o.privileged;
  c.seccomp = r.seccomp == "unconfined" || c.privileged ? runtime::SeccompMode::unconfined
                                                          : runtime::SeccompMode::default_profile;
  c.cap_add = r.cap_add;
  c.cap_drop = r.cap_drop;
  for (const auto& l : r.rlimits) c.rlimits.push_back({l.resource, l.soft, l.hard});
  c.oom_score_adj = r.oom_score_adj;
  c.no_new_privs = r.no_new_privs;

  runtime::Process p;
  p.argv = o.argv;
  p.env = merge_env(r.env, o.env);
  p.workdir = !o.workdir.empty() ? o.workdir : (!r.working_dir.empty() ? r.working_dir : "/");
  p.user = !o.user.empty() ? o.user : r.user;
  p.group_add = r.group_add;  // docker exec keeps the container's group_add
  p.tty = o.tty;
  if (o.tty) {
    winsize ws{};
    if (::ioctl(1, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0) {
      p.tty_rows = ws.ws_row;
      p.tty_cols = ws.ws_col;
    }
  }
  std::optional<StdioRelay> relay;
  if (!o.tty && !o.detach) {
    PIER_TRY(relay, StdioRelay::open(o.interactive));
    auto ends = relay->container_ends();
    std::copy(ends.begin(), ends.end(), p.stdio);
  }
  PIER_TRY(auto handle, runtime::exec_in(c, p));
  if (o.detach) return 0;
  if (o.tty && handle.pty_master) relay_tty(handle.pty_master.get(), handle.pidfd.get());
  if (relay) {
    relay->close_container_ends();
    Status st;
    do st = relay->pump_until(handle.pidfd.get());
    while (!st && st.error().errnum() == EINTR);
    relay->finish();
    PIER_CHECK(st);
  }
  // Signals the user sends (Ctrl-C without a tty) go to the process, as docker exec.
  return runtime::wait(handle.pidfd.get());
}

}  // namespace pier::app
