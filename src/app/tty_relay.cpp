#include "app/tty_relay.h"

#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>

namespace pier::app {
namespace {

volatile sig_atomic_t g_winch = 0;
void on_winch(int) { g_winch = 1; }

}  // namespace

void pass_window_size(int master) {
  winsize ws{};
  if ((::ioctl(0, TIOCGWINSZ, &ws) == 0 || ::ioctl(1, TIOCGWINSZ, &ws) == 0) && ws.ws_row > 0)
    (void)::ioctl(master, TIOCSWINSZ, &ws);
}

// SIGWINCH is blocked except inside ppoll, so a resize interrupts the wait and is passed
// on at once, never lost between two polls.
void relay_tty(int master, int until, bool forward_stdin) {
  termios saved{};
  bool raw = forward_stdin && ::isatty(0) && ::tcgetattr(0, &saved) == 0;
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
  pass_window_size(master);  // it may have changed since the exec was planned
  bool stdin_open = forward_stdin;
  char buf[16384];
  for (;;) {
    pollfd fds[3] = {{master, POLLIN, 0}, {until, POLLIN, 0}, {stdin_open ? 0 : -1, POLLIN, 0}};
    if (::ppoll(fds, 3, nullptr, &during_poll) < 0) {
      if (errno != EINTR) break;
      if (g_winch) {
        g_winch = 0;
        pass_window_size(master);
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

void drain_tty(int master, int quiet_ms) {
  char buf[16384];
  for (;;) {
    pollfd pfd{master, POLLIN, 0};
    int ready = ::poll(&pfd, 1, quiet_ms);
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return;
    ssize_t n = ::read(master, buf, sizeof buf);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) return;  // EIO: no writer is left
    (void)!::write(1, buf, static_cast<size_t>(n));
  }
}

}  // namespace pier::app
