#include "app/attach.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <optional>
#include <thread>

#include "app/detach_keys.h"
#include "app/logs/log_follower.h"
#include "app/supervisor_connect.h"
#include "app/tty_relay.h"
#include "base/atomic_file.h"
#include "image/registry/auth.h"
#include "supervisor/control/console_socket.h"
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

struct Input {
  UniqueFd fd;  // the pty master or the stdin FIFO; empty when there is none
  bool tty = false;
  bool stdin_open = false;
};

// Asks the supervisor for the container's input (protocol.h, AttachRequest).
Result<Input> request_input(const state::ProjectPaths& paths, const std::string& container) {
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0)
    return Error::system("create the input socket of", "attach " + container, errno);
  UniqueFd ours(pair[0]), theirs(pair[1]);
  PIER_TRY(auto client, connect_or_start(paths));
  control::Attached attached;
  PIER_CHECK(client.call(control::AttachRequest{container}, [&](const control::ReplyLine& line) {
    if (const auto* w = std::get_if<control::Warning>(&line)) std::fprintf(stderr, "warning: %s\n", w->message.c_str());
    if (const auto* a = std::get_if<control::Attached>(&line)) attached = *a;
  }, {theirs.get()}));
  Input in{UniqueFd(), attached.tty, attached.stdin_open};
  if (attached.input) {
    PIER_TRY(in.fd, control::receive_console(ours.get()));
  }
  return in;
}

// Raw mode on our terminal while keys go to the container's pty, restored however
// attach ends.
class RawTerminal {
 public:
  explicit RawTerminal(bool wanted) {
    if (!wanted || ::tcgetattr(0, &saved_) != 0) return;
    termios raw = saved_;
    ::cfmakeraw(&raw);
    active_ = ::tcsetattr(0, TCSANOW, &raw) == 0;
  }
  ~RawTerminal() { restore(); }
  void restore() {
    if (active_) ::tcsetattr(0, TCSANOW, &saved_);
    active_ = false;
  }

 private:
  termios saved_{};
  bool active_ = false;
};

// No --detach-keys: the `detachKeys` of the Docker config, as docker attach reads it,
// else Docker's default. The user's own file, read as `pier login` reads it.
std::string detach_keys_text(const std::string& given) {
  if (!given.empty()) return given;
  auto text = read_file(image::docker_config_path(), 1 << 20, O_NONBLOCK);
  const auto config = text ? nlohmann::json::parse(*text, nullptr, false) : nlohmann::json();
  if (!config.is_object()) return "ctrl-p,ctrl-q";
  auto keys = config.find("detachKeys");
  if (keys == config.end() || !keys->is_string() || keys->get<std::string>().empty()) return "ctrl-p,ctrl-q";
  return keys->get<std::string>();
}

// One size off, then the real one: a program that already drew for this size (a shell
// prompt after an earlier attach) redraws, as docker attach makes it.
void nudge_window_size(int master) {
  winsize ws{};
  if (::ioctl(1, TIOCGWINSZ, &ws) != 0 || ws.ws_row == 0) return;
  winsize off = ws;
  off.ws_row++;
  off.ws_col++;
  (void)::ioctl(master, TIOCSWINSZ, &off);
  pass_window_size(master);
}

// Writes what it can of `pending` into the container's input without blocking. False
// when the input is gone (the container exited).
bool push_input(int fd, std::string& pending) {
  while (!pending.empty()) {
    ssize_t n = ::write(fd, pending.data(), pending.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return true;
    if (n <= 0) return false;
    pending.erase(0, static_cast<size_t>(n));
  }
  return true;
}

// The signals that came: SIGWINCH is passed on to the pty, others proxied to the main
// process (`proxy`) or ending attach with 128+N (nullopt: go on).
std::optional<int> take_signals(int signal_fd, int pidfd, int master, bool proxy) {
  signalfd_siginfo info{};
  while (::read(signal_fd, &info, sizeof info) == sizeof info) {
    int signo = static_cast<int>(info.ssi_signo);
    if (signo == SIGWINCH) pass_window_size(master);
    else if (!proxy) return 128 + signo;
    else (void)sys::pidfd_send_signal(pidfd, signo);
  }
  return std::nullopt;
}

// One read of our stdin into `pending`, through the detach keys with a tty: true when
// they were typed. `reading` turns false at our EOF, which is not the container's: its
// stdin stays open for the next attach.
bool take_input(bool tty, DetachKeys& keys, std::string& pending, bool& reading) {
  char buf[16384];
  ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
  if (n > 0 && tty) return keys.feed(std::string_view(buf, static_cast<size_t>(n)), pending);
  if (n > 0) pending.append(buf, static_cast<size_t>(n));
  else if (n == 0 || (errno != EINTR && errno != EAGAIN)) reading = false;
  return false;
}

}  // namespace

Result<int> attach_container(const state::ProjectPaths& paths, const state::ContainerRecord& r,
                             const AttachOptions& o) {
  UniqueFd pidfd(sys::pidfd_open(r.pid));
  if (!pidfd || !state::process_matches(r.pid, r.pid_start_time) ||
      (r.state != state::ContainerState::running && r.state != state::ContainerState::paused))
    return Error("container " + r.name + " is not running").hint("start it with `pier up -d` or `pier start`");
  PIER_TRY(DetachKeys keys, DetachKeys::parse(detach_keys_text(o.detach_keys)));
  PIER_TRY(std::string log, paths.log_file(r.name));
  PIER_TRY(auto follower, logs::LogFollower::open(log, false));
  PIER_TRY(Input in, request_input(paths, r.name));
  const bool forward = in.fd && in.stdin_open && !o.no_stdin;
  if (forward && in.tty && !::isatty(STDIN_FILENO))
    return Error("the input device is not a TTY").hint("attach from a terminal, or use --no-stdin");
  // A container that exited while we write must not kill us: a write error instead.
  ::signal(SIGPIPE, SIG_IGN);

  // Signals arrive on a descriptor, so the loop below sees them between reads.
  sigset_t signals, previous;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  if (in.tty && in.fd) sigaddset(&signals, SIGWINCH);
  if (::sigprocmask(SIG_BLOCK, &signals, &previous) != 0) return Error::system("block", "SIGINT and SIGTERM", errno);
  struct Restore {
    sigset_t mask;
    ~Restore() { ::sigprocmask(SIG_SETMASK, &mask, nullptr); }
  } restore{previous};
  UniqueFd signal_fd(::signalfd(-1, &signals, SFD_CLOEXEC | SFD_NONBLOCK));
  if (!signal_fd) return Error::system("open", "a signalfd", errno);

  RawTerminal raw(forward && in.tty);
  if (in.tty && in.fd && ::isatty(STDOUT_FILENO)) nudge_window_size(in.fd.get());
  bool reading = forward;
  std::string pending;
  for (;;) {
    pollfd fds[5] = {{follower->fd(), POLLIN, 0},
                     {pidfd.get(), POLLIN, 0},
                     {signal_fd.get(), POLLIN, 0},
                     {reading && pending.empty() ? STDIN_FILENO : -1, POLLIN, 0},
                     {pending.empty() ? -1 : in.fd.get(), POLLOUT, 0}};
    if (::poll(fds, 5, 500) < 0 && errno != EINTR) return Error::system("poll", "the log of " + r.name, errno);
    PIER_TRY(auto entries, follower->read_new());
    print(entries);
    // With a tty, Ctrl-C is a key the container reads; a signal here came from elsewhere
    // and ends attach, as docker attach does not proxy it either.
    if (fds[2].revents & POLLIN)
      if (auto code = take_signals(signal_fd.get(), pidfd.get(), in.fd.get(), o.sig_proxy && !in.tty)) return *code;
    if ((fds[3].revents & (POLLIN | POLLHUP | POLLERR)) && take_input(in.tty, keys, pending, reading)) {
      raw.restore();
      std::fputs("read escape sequence\n", stderr);
      return 1;
    }
    if (!pending.empty() && !push_input(in.fd.get(), pending)) {
      pending.clear();
      reading = false;
    }
    if (fds[1].revents & POLLIN) {
      // The main process exited: what it wrote last reaches the log a moment later.
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      PIER_TRY(auto last, follower->read_new());
      print(last);
      raw.restore();
      return recorded_exit_code(paths, r.name);
    }
  }
}

}  // namespace pier::app
