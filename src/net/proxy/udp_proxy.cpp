#include <fmt/format.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "net/proxy/port_proxy.h"
#include "net/rootless/published_socket.h"
#include "net/sockaddr.h"
#include "net/socket_util.h"

namespace pier::net::proxy {
namespace {

// One client address: its own connected socket towards the container, so replies
// can be matched to the client without parsing anything.
struct Flow : event::DeferredDeletable {
  sockaddr_storage client{};
  socklen_t client_len = 0;
  UniqueFd upstream;
  std::unique_ptr<event::FdWatch> watch;
  event::Clock::time_point last_used;
};

std::string key_of(const sockaddr_storage& ss, socklen_t len) {
  return std::string(reinterpret_cast<const char*>(&ss), len);
}

class UdpProxy final : public PortProxy {
 public:
  UdpProxy(event::Loop& loop, PortMapping m, UniqueFd fd, event::Duration idle, size_t max_sessions)
      : loop_(loop), mapping_(std::move(m)), listener_(std::move(fd)), idle_(idle), max_sessions_(max_sessions) {}
  Status start() {
    PIER_TRY(watch_, loop_.watch_fd(listener_.get(), event::kReadable, [this](int) { from_clients(); }));
    sweeper_ = loop_.create_timer([this] { drop_idle(); });
    sweeper_->start(idle_, idle_);
    return {};
  }
  uint16_t port() const override { return local_port(listener_.get()); }
  size_t sessions() const override { return flows_.size(); }

 private:
  void from_clients() {
    char buf[65536];
    for (;;) {
      sockaddr_storage from{};
      socklen_t len = sizeof from;
      ssize_t n = recvfrom(listener_.get(), buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len);
      if (n < 0) return;
      Flow* flow = flow_for(from, len);
      if (!flow) continue;
      flow->last_used = loop_.now();
      (void)send(flow->upstream.get(), buf, size_t(n), MSG_DONTWAIT);
    }
  }
  Flow* flow_for(const sockaddr_storage& from, socklen_t len) {
    auto key = key_of(from, len);
    if (auto it = flows_.find(key); it != flows_.end()) return it->second.get();
    if (flows_.size() >= max_sessions_) return nullptr;  // until idle flows are swept
    auto f = std::make_unique<Flow>();
    f->client = from;
    f->client_len = len;
    const auto& ip = mapping_.container_ip;
    f->upstream.reset(socket(ip.family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    sockaddr_storage ss;
    socklen_t slen = to_sockaddr(ip, mapping_.container_port, ss);
    if (!f->upstream || connect(f->upstream.get(), reinterpret_cast<sockaddr*>(&ss), slen) != 0) return nullptr;
    Flow* raw = f.get();
    auto w = loop_.watch_fd(f->upstream.get(), event::kReadable, [this, raw](int) { to_client(*raw); });
    if (!w.ok()) return nullptr;
    f->watch = std::move(w).value();
    flows_[key] = std::move(f);
    return raw;
  }
  void to_client(Flow& f) {
    char buf[65536];
    for (;;) {
      ssize_t n = recv(f.upstream.get(), buf, sizeof buf, 0);
      if (n < 0) return;
      f.last_used = loop_.now();
      sendto(listener_.get(), buf, size_t(n), MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&f.client), f.client_len);
    }
  }
  void drop_idle() {
    auto now = loop_.now();
    for (auto it = flows_.begin(); it != flows_.end();) {
      if (now - it->second->last_used >= idle_) {
        loop_.defer_delete(std::move(it->second));
        it = flows_.erase(it);
      } else {
        ++it;
      }
    }
  }

  event::Loop& loop_;
  PortMapping mapping_;
  UniqueFd listener_;
  event::Duration idle_;
  size_t max_sessions_;
  std::unique_ptr<event::FdWatch> watch_;
  std::unique_ptr<event::Timer> sweeper_;
  std::map<std::string, std::unique_ptr<Flow>> flows_;
};

}  // namespace

Result<std::unique_ptr<PortProxy>> start_udp_proxy(event::Loop& loop, const PortMapping& m,
                                                   event::Duration idle_timeout, size_t max_sessions) {
  IpAddress ip = m.host_ip.valid() ? m.host_ip : IpAddress::v4(0);
  PIER_TRY(auto fd, rootless::bind_published_socket(SOCK_DGRAM, ip, m.host_port, fmt::format("service {}", m.service)));
  auto proxy = std::make_unique<UdpProxy>(loop, m, std::move(fd), idle_timeout, max_sessions);
  PIER_CHECK(proxy->start());
  return std::unique_ptr<PortProxy>(std::move(proxy));
}

}  // namespace pier::net::proxy
