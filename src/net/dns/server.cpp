#include "net/dns/server.h"

#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "base/log.h"
#include "net/dns/message.h"
#include "net/socket_util.h"

namespace pier::net::dns {
namespace {
constexpr event::Duration kTcpIdle{10000};
constexpr event::Duration kAcceptPause{100};
constexpr int kAnyPortPicks = 64;  // each pick is a new random one: 64 all taken is not chance

struct UdpAndTcp {
  UniqueFd udp;
  UniqueFd tcp;
  uint16_t port = 0;
};

// Binds UDP and TCP to one port. For port 0 the kernel picks the UDP port, and the
// same number may be taken for TCP on that address (another socket's ephemeral port):
// then it picks again.
Result<UdpAndTcp> bind_udp_and_tcp(const IpAddress& ip, uint16_t port) {
  for (int pick = 1;; ++pick) {
    PIER_TRY(auto udp, bind_socket(SOCK_DGRAM, ip, port, "embedded DNS server"));
    const uint16_t bound = local_port(udp.get());
    auto tcp = bind_socket(SOCK_STREAM, ip, bound, "embedded DNS server");
    if (tcp.ok()) return UdpAndTcp{std::move(udp), std::move(*tcp), bound};
    if (port != 0 || tcp.error().errnum() != EADDRINUSE || pick == kAnyPortPicks) return std::move(tcp).error();
  }
}
}  // namespace

struct Server::UdpListener {
  IpAddress ip;
  UniqueFd fd;
  std::unique_ptr<event::FdWatch> watch;
};
struct Server::TcpListener {
  IpAddress ip;
  UniqueFd fd;
  std::unique_ptr<event::FdWatch> watch;
  std::unique_ptr<event::Timer> resume;  // accepting again after running out of fds
};
struct Server::TcpConn : event::DeferredDeletable {
  UniqueFd fd;
  IpAddress peer;
  std::vector<uint8_t> in;
  std::unique_ptr<event::FdWatch> watch;
  std::unique_ptr<event::Timer> idle;  // a silent client must not hold a socket forever
};
// One query forwarded upstream, on its own connected socket (a fresh random source
// port per query makes spoofed replies hard to land).
struct Server::Forward : event::DeferredDeletable {
  std::vector<uint8_t> query;
  uint16_t client_id = 0;
  uint16_t upstream_id = 0;
  Reply reply;
  std::shared_ptr<const std::vector<Endpoint4or6>> upstreams;
  size_t upstream = 0;
  UniqueFd fd;
  std::unique_ptr<event::FdWatch> watch;
  std::unique_ptr<event::Timer> timer;
};

Server::Server(event::Loop& loop, Registry& registry, ServerOptions options)
    : loop_(loop), registry_(registry), options_(std::move(options)),
      default_upstreams_(std::make_shared<std::vector<Endpoint4or6>>(options_.upstreams)) {}

void Server::set_container_upstreams(const std::string& container, std::vector<Endpoint4or6> upstreams) {
  if (upstreams.empty())
    container_upstreams_.erase(container);
  else
    container_upstreams_[container] = std::make_shared<std::vector<Endpoint4or6>>(std::move(upstreams));
}

Server::~Server() = default;

Result<uint16_t> Server::listen(const IpAddress& ip, uint16_t port) {
  PIER_TRY(auto bound, bind_udp_and_tcp(ip, port));
  port = bound.port;
  auto udp = std::make_unique<UdpListener>(UdpListener{ip, std::move(bound.udp), nullptr});
  int ufd = udp->fd.get();
  PIER_TRY(udp->watch, loop_.watch_fd(ufd, event::kReadable, [this, ufd](int) {
    uint8_t buf[4096];
    for (;;) {
      sockaddr_storage from{};
      socklen_t len = sizeof from;
      ssize_t n = recvfrom(ufd, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len);
      if (n < 0) return;
      auto reply = [ufd, from, len](std::vector<uint8_t> answer) {
        sendto(ufd, answer.data(), answer.size(), MSG_DONTWAIT, reinterpret_cast<const sockaddr*>(&from), len);
      };
      handle({buf, size_t(n)}, from_sockaddr(from).ip, reply, kMaxUdpSize);
    }
  }));
  auto tcp = std::make_unique<TcpListener>(TcpListener{ip, std::move(bound.tcp), nullptr, nullptr});
  TcpListener* raw = tcp.get();
  PIER_TRY(tcp->watch, loop_.watch_fd(raw->fd.get(), event::kReadable, [this, raw](int) { accept_tcp(*raw); }));
  tcp->resume = loop_.create_timer([raw] { raw->watch->set_events(event::kReadable); });
  udp_.push_back(std::move(udp));
  tcp_.push_back(std::move(tcp));
  return port;
}

void Server::stop_listening(const IpAddress& ip) {
  std::erase_if(udp_, [&](const auto& l) { return l->ip == ip; });
  std::erase_if(tcp_, [&](const auto& l) { return l->ip == ip; });
}

void Server::handle(std::span<const uint8_t> wire, const IpAddress& asker, Reply reply, size_t max_size) {
  auto parsed = parse(wire);
  if (!parsed.ok()) {
    if (wire.size() >= 12) {  // a header we can answer: FORMERR, as RFC 1035 asks
      Message bad;
      bad.id = peek_id(wire);
      reply(serialize(make_reply(bad, kFormErr)));
    }
    return;
  }
  const Message& q = *parsed;
  if (q.is_response()) return;
  if (q.opcode() != 0) return reply(serialize(make_reply(q, kNotImp)));
  if (q.questions.size() != 1) return reply(serialize(make_reply(q, kFormErr)));
  const Question& question = q.questions[0];
  int family = question.type == kAaaa ? AF_INET6 : AF_INET;
  auto found = registry_.resolve(asker, question.name, family);
  using O = Registry::Outcome;
  if (found.outcome == O::kAnswer || found.outcome == O::kNoData) {
    Message answer = make_reply(q, kNoError);
    answer.flags |= 0x0400;  // AA: pier is the authority for container names
    if (question.type == kA || question.type == kAaaa)
      for (const auto& ip : found.addresses) answer.answers.push_back(address_record(question.name, ip, options_.ttl));
    return reply(serialize(answer, max_size));
  }
  // Only containers get recursion: the server listens on host addresses, and must
  // not become an open resolver for whatever else can reach them.
  if (found.outcome == O::kNotAContainer) return reply(serialize(make_reply(q, kRefused)));
  Upstreams upstreams = default_upstreams_;
  if (auto it = container_upstreams_.find(registry_.container_of(asker)); it != container_upstreams_.end())
    upstreams = it->second;
  if (upstreams->empty()) return reply(serialize(make_reply(q, kServFail)));
  forward(std::vector<uint8_t>(wire.begin(), wire.end()), q.id, std::move(reply), std::move(upstreams), 0);
}

void Server::forward(std::vector<uint8_t> query, uint16_t client_id, Reply reply, Upstreams upstreams,
                     size_t upstream) {
  if (upstream >= upstreams->size() || forwards_.size() >= options_.max_forwards) {
    Message failed;
    if (auto parsed = parse(query); parsed.ok()) failed = make_reply(*parsed, kServFail);
    failed.id = client_id;
    return reply(serialize(failed));
  }
  const auto target = (*upstreams)[upstream];
  auto f = std::make_unique<Forward>();
  f->query = std::move(query);
  f->client_id = client_id;
  f->reply = std::move(reply);
  f->upstream = upstream;
  f->upstreams = std::move(upstreams);
  if (getrandom(&f->upstream_id, sizeof f->upstream_id, 0) != sizeof f->upstream_id) f->upstream_id ^= 0x5a5a;
  poke_id(f->query, f->upstream_id);
  sockaddr_storage ss;
  socklen_t len = to_sockaddr(target.ip, target.port, ss);
  f->fd.reset(socket(target.ip.family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  Forward* raw = f.get();
  auto next = [this, raw] {
    // Try the next upstream with the original query, then drop this attempt.
    auto owned = std::move(forwards_[raw]);
    forwards_.erase(raw);
    poke_id(owned->query, owned->client_id);
    forward(std::move(owned->query), owned->client_id, std::move(owned->reply), owned->upstreams,
            owned->upstream + 1);
    loop_.defer_delete(std::move(owned));
  };
  if (!f->fd || connect(f->fd.get(), reinterpret_cast<sockaddr*>(&ss), len) != 0 ||
      send(f->fd.get(), f->query.data(), f->query.size(), 0) < 0) {
    log::debug("dns: upstream {} unusable: {}", target.to_string(), strerror(errno));
    forwards_[raw] = std::move(f);
    return next();
  }
  auto watch = loop_.watch_fd(f->fd.get(), event::kReadable, [this, raw](int) {
    std::vector<uint8_t> buf(65535);
    ssize_t n = recv(raw->fd.get(), buf.data(), buf.size(), 0);
    if (n < 2 || peek_id({buf.data(), size_t(n)}) != raw->upstream_id) return;  // stray or refused
    buf.resize(n);
    finish_forward(raw, std::move(buf));
  });
  if (watch.ok()) f->watch = std::move(watch).value();
  f->timer = loop_.create_timer(next);
  f->timer->start(options_.upstream_timeout);
  forwards_[raw] = std::move(f);
}

void Server::finish_forward(Forward* f, std::vector<uint8_t> answer) {
  auto owned = std::move(forwards_[f]);
  forwards_.erase(f);
  poke_id(answer, owned->client_id);
  owned->timer->stop();
  owned->reply(std::move(answer));
  loop_.defer_delete(std::move(owned));
}

void Server::accept_tcp(TcpListener& l) {
  for (;;) {
    sockaddr_storage from{};
    socklen_t len = sizeof from;
    int fd = accept4(l.fd.get(), reinterpret_cast<sockaddr*>(&from), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      // Out of file descriptors the client stays in the backlog and the listener
      // readable: watching it now would spin the loop. Look again later.
      if (errno == EMFILE || errno == ENFILE) {
        l.watch->set_events(0);
        l.resume->start(kAcceptPause);
      }
      return;
    }
    // Taken off the backlog and closed: the client learns at once, and the
    // listener does not stay readable forever.
    if (conns_.size() >= options_.max_tcp_connections) {
      ::close(fd);
      continue;
    }
    uint64_t id = next_conn_++;
    auto conn = std::make_unique<TcpConn>();
    conn->fd.reset(fd);
    conn->peer = from_sockaddr(from).ip;
    auto watch = loop_.watch_fd(fd, event::kReadable, [this, id](int) { read_tcp(id); });
    if (!watch.ok()) continue;
    conn->watch = std::move(watch).value();
    conn->idle = loop_.create_timer([this, id] { close_tcp(id); });
    conn->idle->start(kTcpIdle);
    conns_[id] = std::move(conn);
  }
}

void Server::read_tcp(uint64_t id) {
  auto it = conns_.find(id);
  if (it == conns_.end()) return;
  TcpConn& c = *it->second;
  uint8_t buf[4096];
  ssize_t n = recv(c.fd.get(), buf, sizeof buf, 0);
  if (n == 0 || (n < 0 && errno != EAGAIN) || c.in.size() > 70000) return close_tcp(id);
  if (n > 0) c.in.insert(c.in.end(), buf, buf + n);
  c.idle->start(kTcpIdle);
  // Messages are framed by a two-byte length (RFC 1035 4.2.2).
  while (c.in.size() >= 2) {
    size_t want = size_t(c.in[0]) << 8 | c.in[1];
    if (c.in.size() < 2 + want) break;
    std::vector<uint8_t> msg(c.in.begin() + 2, c.in.begin() + 2 + want);
    c.in.erase(c.in.begin(), c.in.begin() + 2 + want);
    handle(msg, c.peer, [this, id](std::vector<uint8_t> answer) {
      auto conn = conns_.find(id);
      if (conn == conns_.end()) return;  // the client went away meanwhile
      uint8_t hdr[2] = {uint8_t(answer.size() >> 8), uint8_t(answer.size() & 0xff)};
      answer.insert(answer.begin(), hdr, hdr + 2);
      // Replies are small; a client too slow to take one is dropped.
      if (send(conn->second->fd.get(), answer.data(), answer.size(), MSG_DONTWAIT | MSG_NOSIGNAL) !=
          ssize_t(answer.size()))
        close_tcp(id);
    }, 0);
    if (!conns_.count(id)) return;
  }
}

void Server::close_tcp(uint64_t id) {
  auto it = conns_.find(id);
  if (it == conns_.end()) return;
  // Called from the connection's own read callback: delete it later.
  loop_.defer_delete(std::move(it->second));
  conns_.erase(it);
}

}  // namespace pier::net::dns
