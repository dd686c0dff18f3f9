#include <fmt/format.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fcntl.h>

#include <cerrno>

#include "net/proxy/port_proxy.h"
#include "net/rootless/published_socket.h"
#include "net/sockaddr.h"
#include "net/socket_util.h"

namespace pier::net::proxy {
namespace {

constexpr size_t kPipeSize = 1 << 20;
constexpr event::Duration kAcceptPause{100};

// Bytes taken from one socket and not yet given to the other. They sit in a pipe
// and move with splice(2), so the proxy never copies payload through user space:
// that is what keeps it near the speed of a direct connection.
struct Direction {
  UniqueFd pipe_r, pipe_w;
  size_t len = 0;        // bytes in the pipe
  bool eof = false;      // the source said it will send no more
  bool closed = false;   // and we passed that on with shutdown(SHUT_WR)

  bool open() {
    int fds[2];
    if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) return false;
    pipe_r.reset(fds[0]);
    pipe_w.reset(fds[1]);
    fcntl(pipe_w.get(), F_SETPIPE_SZ, int(kPipeSize));  // best effort: the default is 64 KiB
    return true;
  }
};

class Session final : public event::DeferredDeletable {
 public:
  UniqueFd client, upstream;
  Direction up, down;  // client->upstream, upstream->client
  bool connected = false;
  std::unique_ptr<event::FdWatch> client_watch, upstream_watch;

  // Moves what it can in both directions; false when the session is over.
  bool pump() {
    if (!connected) {
      int err = 0;
      socklen_t len = sizeof err;
      getsockopt(upstream.get(), SOL_SOCKET, SO_ERROR, &err, &len);
      if (err != 0) return false;
      connected = true;
    }
    if (!move(client.get(), upstream.get(), up) || !move(upstream.get(), client.get(), down)) return false;
    if (up.closed && down.closed) return false;
    update_interest();
    return true;
  }

 private:
  static bool move(int from, int to, Direction& d) {
    constexpr unsigned kFlags = SPLICE_F_NONBLOCK | SPLICE_F_MOVE;
    for (;;) {
      if (d.len == 0 && !d.eof) {
        ssize_t n = splice(from, nullptr, d.pipe_w.get(), nullptr, kPipeSize, kFlags);
        if (n > 0) {
          d.len = size_t(n);
        } else if (n == 0) {
          d.eof = true;
        } else {
          return errno == EAGAIN;
        }
      }
      while (d.len > 0) {
        ssize_t n = splice(d.pipe_r.get(), nullptr, to, nullptr, d.len, kFlags);
        if (n < 0) return errno == EAGAIN;
        d.len -= size_t(n);
      }
      if (d.eof) {
        if (!d.closed) shutdown(to, SHUT_WR);
        d.closed = true;
        return true;
      }
    }
  }
  void update_interest() {
    // Read a side only when its outgoing buffer is drained (back-pressure); wait
    // for writability while data is pending.
    int c = (up.len == 0 && !up.eof ? event::kReadable : 0) | (down.len > 0 ? event::kWritable : 0);
    int u = (down.len == 0 && !down.eof ? event::kReadable : 0) | (up.len > 0 ? event::kWritable : 0);
    // Only touch epoll when the interest really changes: this runs per wake-up.
    if (c != client_events) client_watch->set_events(client_events = c);
    if (u != upstream_events) upstream_watch->set_events(upstream_events = u);
  }
  int client_events = 0, upstream_events = event::kWritable;
};

class TcpProxy final : public PortProxy {
 public:
  TcpProxy(event::Loop& loop, PortMapping mapping, UniqueFd listener, size_t max_sessions)
      : loop_(loop), mapping_(std::move(mapping)), listener_(std::move(listener)), max_sessions_(max_sessions) {}
  Status start() {
    PIER_TRY(watch_, loop_.watch_fd(listener_.get(), event::kReadable, [this](int) { accept_all(); }));
    resume_ = loop_.create_timer([this] { watch_->set_events(event::kReadable); });
    return {};
  }
  uint16_t port() const override { return local_port(listener_.get()); }
  size_t sessions() const override { return sessions_.size(); }

 private:
  void accept_all() {
    for (;;) {
      UniqueFd client(accept4(listener_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
      if (!client) {
        // Out of file descriptors the connection stays in the backlog and the
        // listener readable: watching it now would spin the loop. Look again later.
        if (errno == EMFILE || errno == ENFILE) {
          watch_->set_events(0);
          resume_->start(kAcceptPause);
        }
        return;
      }
      // Over the limit the client is closed here (it sees the connection end)
      // rather than left in the backlog.
      if (sessions_.size() < max_sessions_) open_session(std::move(client));
    }
  }
  void open_session(UniqueFd client) {
    auto s = std::make_unique<Session>();
    s->client = std::move(client);
    if (!s->up.open() || !s->down.open()) return;
    const auto& ip = mapping_.container_ip;
    s->upstream.reset(socket(ip.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    sockaddr_storage ss;
    socklen_t len = to_sockaddr(ip, mapping_.container_port, ss);
    if (!s->upstream || (connect(s->upstream.get(), reinterpret_cast<sockaddr*>(&ss), len) != 0 &&
                         errno != EINPROGRESS))
      return;  // the container is not reachable: dropping the client tells it so
    uint64_t id = next_id_++;
    auto on_event = [this, id](int) { step(id); };
    auto cw = loop_.watch_fd(s->client.get(), 0, on_event);
    auto uw = loop_.watch_fd(s->upstream.get(), event::kWritable, on_event);
    if (!cw.ok() || !uw.ok()) return;
    s->client_watch = std::move(cw).value();
    s->upstream_watch = std::move(uw).value();
    sessions_[id] = std::move(s);
  }
  void step(uint64_t id) {
    auto it = sessions_.find(id);
    if (it == sessions_.end() || it->second->pump()) return;
    // Over: its own watch callback is running, so delete it on the next iteration.
    loop_.defer_delete(std::move(it->second));
    sessions_.erase(it);
  }

  event::Loop& loop_;
  PortMapping mapping_;
  UniqueFd listener_;
  size_t max_sessions_;
  std::unique_ptr<event::FdWatch> watch_;
  std::unique_ptr<event::Timer> resume_;  // accepting again after running out of fds
  std::map<uint64_t, std::unique_ptr<Session>> sessions_;
  uint64_t next_id_ = 1;
};

IpAddress listen_address(const PortMapping& m) {
  return m.host_ip.valid() ? m.host_ip : IpAddress::v4(0);
}

}  // namespace

Result<std::unique_ptr<PortProxy>> start_tcp_proxy(event::Loop& loop, const PortMapping& m, size_t max_sessions) {
  PIER_TRY(auto fd, rootless::bind_published_socket(SOCK_STREAM, listen_address(m), m.host_port, fmt::format("service {}", m.service)));
  auto proxy = std::make_unique<TcpProxy>(loop, m, std::move(fd), max_sessions);
  PIER_CHECK(proxy->start());
  return std::unique_ptr<PortProxy>(std::move(proxy));
}

Result<std::unique_ptr<PortProxy>> start_proxy(event::Loop& loop, const PortMapping& m) {
  return m.protocol == IPPROTO_UDP ? start_udp_proxy(loop, m) : start_tcp_proxy(loop, m);
}

}  // namespace pier::net::proxy
