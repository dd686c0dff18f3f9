#include "app/control_client.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

namespace pier::app {

using control::Done;
using control::ReplyLine;
using control::Request;

namespace {

using namespace std::chrono_literals;

// While a reply is awaited, the supervisor's liveness is checked this often.
constexpr auto kTick = 1000ms;

pid_t pid_in_file(const std::string& path) {
  char buf[32] = {};
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd || ::read(fd.get(), buf, sizeof buf - 1) <= 0) return 0;
  return static_cast<pid_t>(std::atol(buf));
}

// Running: not gone and not a zombie.
bool running(pid_t pid) {
  if (pid <= 0) return false;
  std::string stat;
  UniqueFd fd(::open(fmt::format("/proc/{}/stat", pid).c_str(), O_RDONLY | O_CLOEXEC));
  char buf[512];
  ssize_t n = fd ? ::read(fd.get(), buf, sizeof buf - 1) : -1;
  if (n <= 0) return false;
  stat.assign(buf, static_cast<size_t>(n));
  auto paren = stat.rfind(')');
  return paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] != 'Z';
}

}  // namespace

Result<ControlClient> ControlClient::connect(const std::string& path, std::chrono::milliseconds greeting) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) return Error("control socket path `" + path + "` is too long");
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return Error::system("create socket", path, errno);
  // A listener that nobody accepts on blocks connect once its backlog is full.
  auto ms = greeting.count();
  timeval limit{static_cast<time_t>(ms / 1000), static_cast<suseconds_t>((ms % 1000) * 1000)};
  ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
  ControlClient client(std::move(fd), path);
  if (::connect(client.fd_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    if (errno != EAGAIN) return Error::system("connect to the supervisor", path, errno);
    pid_t pid = pid_in_file(client.run_dir() + "/supervisor.pid");
    return running(pid) ? client.silent(pid, greeting) : client.gone(pid);
  }
  timeval none{};
  ::setsockopt(client.fd_.get(), SOL_SOCKET, SO_SNDTIMEO, &none, sizeof none);
  PIER_CHECK(client.await_greeting(greeting));
  return client;
}

std::string ControlClient::project() const {
  std::string dir = run_dir();
  return dir.substr(dir.rfind('/') + 1);
}

// The supervisor writes `{"supervisor": <pid>, "build": <build id>}` as soon as it
// accepts a connection (one older than the build id writes only the pid).
// A reset instead: the supervisor closed its listening socket (it was exiting) while this
// connection waited to be accepted.
Status ControlClient::await_greeting(std::chrono::milliseconds limit) {
  auto line = read_line(limit);
  if (!line && line.error().errnum() != ECONNRESET) return std::move(line).error();
  if (!line || !*line)
    return Error("the supervisor of project `" + project() + "` closed the connection", ECONNREFUSED);
  pid_ = static_cast<pid_t>((*line)->value("supervisor", 0));
  if (auto build = (*line)->find("build"); build != (*line)->end() && build->is_string()) build_ = *build;
  return {};
}

Error ControlClient::gone(pid_t pid) const {
  return Error(fmt::format("the supervisor of project `{}`{} is gone, but another process holds its control socket "
                           "`{}` open",
                           project(), pid ? fmt::format(" (pid {})", pid) : "", path_))
      .hint(fmt::format("a process it started may be stuck: `ss -xp src {}` names it; kill it and run the command again",
                        path_));
}

Error ControlClient::silent(pid_t pid, std::chrono::milliseconds waited) const {
  return Error(fmt::format("the supervisor of project `{}` (pid {}) did not answer within {} s", project(), pid,
                           std::max<long>(1, static_cast<long>(waited.count() / 1000))))
      .hint(fmt::format("it may be stuck (see {}/supervisor.log): `kill {}` stops it and leaves the containers running "
                        "for the next supervisor to adopt; then run the command again",
                        run_dir(), pid));
}

Result<std::optional<nlohmann::json>> ControlClient::read_line(std::optional<std::chrono::milliseconds> limit) {
  auto since = std::chrono::steady_clock::now();
  for (;;) {
    if (auto nl = buffer_.find('\n'); nl != std::string::npos) {
      auto line = nlohmann::json::parse(buffer_.substr(0, nl), nullptr, false);
      buffer_.erase(0, nl + 1);
      if (line.is_discarded()) return Error("the supervisor sent a malformed reply");
      return std::optional<nlohmann::json>(std::move(line));
    }
    auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - since);
    pollfd p{fd_.get(), POLLIN, 0};
    auto tick = limit ? std::clamp(*limit - waited, 0ms, std::chrono::milliseconds(kTick)) : kTick;
    int rc = ::poll(&p, 1, static_cast<int>(tick.count()));
    if (rc < 0) return Error::system("read from the supervisor", path_, errno);  // EINTR too: callers act on signals
    if (rc == 0) {
      // Nothing yet: the supervisor must still be there (the socket may be held open by
      // another process), and a greeting must come in time.
      pid_t pid = pid_ ? pid_ : pid_in_file(run_dir() + "/supervisor.pid");
      if (!running(pid)) return gone(pid);
      if (limit && waited + tick >= *limit) return silent(pid, *limit);
      continue;
    }
    char buf[65536];
    ssize_t n = ::read(fd_.get(), buf, sizeof buf);
    if (n < 0) return Error::system("read from the supervisor", path_, errno);
    if (n == 0) return std::optional<nlohmann::json>();
    buffer_.append(buf, static_cast<size_t>(n));
  }
}

Status ControlClient::send(const Request& request, const std::vector<int>& fds) {
  std::string line = control::to_json(request).dump() + "\n";
  size_t off = 0;
  if (!fds.empty()) {
    // The fds travel with the first byte; the rest follows as plain data.
    iovec iov{line.data(), 1};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * 8)] = {};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = CMSG_SPACE(sizeof(int) * fds.size());
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
    std::memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * fds.size());
    ssize_t n;
    do n = ::sendmsg(fd_.get(), &msg, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    if (n < 0) return Error::system("pass fds to the supervisor", path_, errno);
    off = 1;
  }
  while (off < line.size()) {
    ssize_t n = ::send(fd_.get(), line.data() + off, line.size() - off, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error::system("send request to the supervisor", path_, errno);
    }
    off += static_cast<size_t>(n);
  }
  return {};
}

Result<std::optional<ReplyLine>> ControlClient::next() {
  PIER_TRY(auto line, read_line(std::nullopt));
  if (!line) return std::optional<ReplyLine>();
  PIER_TRY(auto typed, control::parse_reply_line(*line));
  return std::optional<ReplyLine>(std::move(typed));
}

Status ControlClient::call(const Request& request, const std::function<void(const ReplyLine&)>& on_event,
                    const std::vector<int>& fds) {
  Status sent = send(request, fds);
  // An exiting supervisor answers without reading the request and closes, which can
  // fail the send: what it answered is read all the same.
  if (!sent && sent.error().errnum() != EPIPE && sent.error().errnum() != ECONNRESET) return sent;
  for (;;) {
    auto line = next();
    if (!line && line.error().errnum() == EINTR) continue;
    if (!line) return sent ? std::move(line).error() : sent;
    if (!*line)
      return sent ? Error("the supervisor exited before answering").hint("see " + run_dir() + "/supervisor.log") : sent;
    if (const auto* done = std::get_if<Done>(&**line)) {
      if (done->exiting)
        return Error("the supervisor of project `" + project() + "` was exiting and did not take the request",
                     ESHUTDOWN);
      return sent ? done->status() : sent;
    }
    if (!sent) return sent;
    if (on_event) on_event(**line);
  }
}

}  // namespace pier::app
