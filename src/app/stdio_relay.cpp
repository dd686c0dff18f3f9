#include "app/stdio_relay.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>

namespace pier::app {
namespace {

// Blocking copy to our own stdout/stderr, which may have been left non-blocking.
bool write_all(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) {
      pollfd p{fd, POLLOUT, 0};
      (void)::poll(&p, 1, -1);
      continue;
    }
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

Result<StdioRelay> StdioRelay::open(bool forward_stdin) {
  // A container that closes its stdin early must not kill us when we write to it, nor
  // must a closed stdout of ours: both become write errors handled below.
  ::signal(SIGPIPE, SIG_IGN);
  StdioRelay r;
  for (int i = forward_stdin ? 0 : 1; i < 3; ++i) {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) != 0) return Error::system("create a pipe for the container's stdio", "", errno);
    UniqueFd read_end(p[0]), write_end(p[1]);
    r.ours_[i] = std::move(i == 0 ? write_end : read_end);
    r.theirs_[i] = std::move(i == 0 ? read_end : write_end);
    if (::fcntl(r.ours_[i].get(), F_SETFL, O_NONBLOCK) != 0)
      return Error::system("make the stdio pipe non-blocking", "", errno);
  }
  r.stdin_open_ = forward_stdin;
  return r;
}

std::array<int, 3> StdioRelay::container_ends() const {
  return {theirs_[0].get(), theirs_[1].get(), theirs_[2].get()};
}

void StdioRelay::close_container_ends() {
  for (auto& fd : theirs_) fd.reset();
}

Status StdioRelay::pump_until(int wake_fd) {
  for (;;) {
    bool read_stdin = stdin_open_ && pending_in_.empty();
    pollfd fds[5] = {{wake_fd, POLLIN, 0},
                     {ours_[1].get(), POLLIN, 0},
                     {ours_[2].get(), POLLIN, 0},
                     {read_stdin ? 0 : -1, POLLIN, 0},
                     {pending_in_.empty() ? -1 : ours_[0].get(), POLLOUT, 0}};
    if (::poll(fds, 5, -1) < 0) return Error::system("relay the container's stdio", "", errno);
    if (fds[1].revents) copy_out(1);
    if (fds[2].revents) copy_out(2);
    if (fds[3].revents) {
      char buf[65536];
      ssize_t n = ::read(0, buf, sizeof buf);
      if (n > 0) pending_in_.append(buf, static_cast<size_t>(n));
      else if (n == 0 || (errno != EINTR && errno != EAGAIN)) stdin_open_ = false;
    }
    copy_in();
    if (fds[0].revents) return {};
  }
}

// One read from the container's stdout or stderr, passed on to ours.
void StdioRelay::copy_out(int index) {
  UniqueFd& from = ours_[static_cast<size_t>(index)];
  if (!from) return;
  char buf[65536];
  ssize_t n = ::read(from.get(), buf, sizeof buf);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  // EOF, or our side is gone (a closed pipe on our stdout): the container's next write
  // fails as it would have on our descriptor itself.
  if (n <= 0 || !write_all(index, buf, static_cast<size_t>(n))) from.reset();
}

// What our stdin gave, into the container's stdin as far as it takes it; our EOF
// becomes its EOF once everything before it went in.
void StdioRelay::copy_in() {
  UniqueFd& to = ours_[0];
  while (to && !pending_in_.empty()) {
    ssize_t n = ::write(to.get(), pending_in_.data(), pending_in_.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    if (n <= 0) {  // the container closed its stdin
      pending_in_.clear();
      stdin_open_ = false;
      break;
    }
    pending_in_.erase(0, static_cast<size_t>(n));
  }
  if (!stdin_open_ && pending_in_.empty()) to.reset();
}

void StdioRelay::finish() {
  for (int i = 1; i < 3; ++i) {
    UniqueFd& from = ours_[static_cast<size_t>(i)];
    if (!from) continue;
    // The exited process's output fits in the pipe: read no more than that, so a
    // process left behind that keeps writing cannot hold us here.
    int left = ::fcntl(from.get(), F_GETPIPE_SZ);
    char buf[65536];
    while (from && left > 0) {
      ssize_t n = ::read(from.get(), buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0 || !write_all(i, buf, static_cast<size_t>(n))) break;
      left -= static_cast<int>(n);
    }
  }
  for (auto& fd : ours_) fd.reset();
  pending_in_.clear();
  stdin_open_ = false;
}

}  // namespace pier::app
