// Stand-ins for containers: bare network namespaces held by an fd (no process to
// leak), and sockets made inside them. Every object is named after the test's
// project and removed by the fixture.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <thread>

#include "base/unique_fd.h"
#include "net/ip.h"
#include "net/netns.h"
#include "net/sysctl.h"

namespace pier::net::test {

inline bool running_as_root() { return geteuid() == 0; }
// Catch2 v2 has no SKIP(): warn with the reason and leave the test.
#define PIER_NEEDS_ROOT()                                          \
  do {                                                             \
    if (!::pier::net::test::running_as_root()) {                   \
      WARN("skipped: needs root for bridges and namespaces");     \
      return;                                                      \
    }                                                              \
  } while (0)

// A fresh network namespace; destroyed (with its veth ends) when the fd closes.
inline UniqueFd new_netns() {
  UniqueFd fd;
  std::thread t([&] {
    if (unshare(CLONE_NEWNET) != 0) return;
    fd.reset(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
  });
  t.join();
  return fd;
}

inline std::string unique_project(const char* tag) {
  static std::atomic<int> counter{0};
  return fmt::format("t{}{}{}", tag, getpid() % 100000, counter++);
}

inline sockaddr_in sockaddr_of(const IpAddress& ip, uint16_t port) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(ip.to_v4());
  return sa;
}

inline IpAddress ip_of(const char* text) { return IpAddress::parse(text).value(); }

// A listening TCP socket inside `netns` on ip:port (port 0: any); returns the port.
inline UniqueFd listen_tcp_in(int netns, const IpAddress& ip, uint16_t& port) {
  auto s = netns >= 0 ? socket_in_netns(netns, AF_INET, SOCK_STREAM).value()
                      : UniqueFd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  int one = 1;
  setsockopt(s.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  auto sa = sockaddr_of(ip, port);
  if (bind(s.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) return {};
  listen(s.get(), 16);
  socklen_t len = sizeof sa;
  getsockname(s.get(), reinterpret_cast<sockaddr*>(&sa), &len);
  port = ntohs(sa.sin_port);
  return s;
}

inline UniqueFd bound_udp_in(int netns, const IpAddress& ip, uint16_t& port) {
  auto s = netns >= 0 ? socket_in_netns(netns, AF_INET, SOCK_DGRAM).value()
                      : UniqueFd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  auto sa = sockaddr_of(ip, port);
  if (bind(s.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) return {};
  socklen_t len = sizeof sa;
  getsockname(s.get(), reinterpret_cast<sockaddr*>(&sa), &len);
  port = ntohs(sa.sin_port);
  return s;
}

// /proc/sys/net/<key> in `netns` (-1: the host), or the error as text.
inline std::string sysctl_text(int netns, const std::string& key) {
  auto v = read_sysctl(netns, key);
  return v.ok() ? *v : v.error().to_string();
}

inline void set_timeouts(int fd, int ms) {
  timeval tv{ms / 1000, (ms % 1000) * 1000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

// Connects from `netns` (-1: host) and returns the connected socket, or an invalid fd.
inline UniqueFd connect_tcp_from(int netns, const IpAddress& ip, uint16_t port, int timeout_ms = 2000) {
  auto s = netns >= 0 ? socket_in_netns(netns, AF_INET, SOCK_STREAM).value()
                      : UniqueFd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  set_timeouts(s.get(), timeout_ms);
  auto sa = sockaddr_of(ip, port);
  if (connect(s.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) return {};
  return s;
}

// Accepts one connection on `listener` and echoes what arrives (on a thread).
inline std::thread echo_once(int listener) {
  return std::thread([listener] {
    UniqueFd c(accept4(listener, nullptr, nullptr, SOCK_CLOEXEC));
    if (!c) return;
    set_timeouts(c.get(), 3000);
    char buf[4096];
    ssize_t n;
    while ((n = read(c.get(), buf, sizeof buf)) > 0) (void)!write(c.get(), buf, n);
  });
}

inline std::string tcp_roundtrip(int fd, const std::string& msg) {
  if (write(fd, msg.data(), msg.size()) != static_cast<ssize_t>(msg.size())) return "";
  std::string got(msg.size(), '\0');
  size_t have = 0;
  while (have < msg.size()) {
    ssize_t n = read(fd, got.data() + have, msg.size() - have);
    if (n <= 0) return got.substr(0, have);
    have += n;
  }
  return got;
}

}  // namespace pier::net::test

#include <future>

#include "event/loop.h"
#include "net/dns/message.h"

namespace pier::net::test {

// Runs blocking client code on a thread while the loop (DNS server, proxies) runs
// here; returns what the client returned.
template <class F>
auto while_loop_runs(event::Loop& loop, F fn) -> decltype(fn()) {
  // The client posts when done: that wakes the loop, which may be idle meanwhile.
  auto task = std::async(std::launch::async, [&loop, fn = std::move(fn)]() mutable {
    struct Wake {
      event::Loop& loop;
      ~Wake() { loop.post([] {}); }
    } wake{loop};
    return fn();
  });
  // The promise is fulfilled just after the wake-up post; a short tick catches that.
  auto tick = loop.create_timer([] {});
  tick->start(std::chrono::milliseconds(5), std::chrono::milliseconds(5));
  loop.run_until([&] { return task.wait_for(std::chrono::seconds(0)) == std::future_status::ready; },
                 std::chrono::milliseconds(20000));
  return task.get();
}

// Asks `server`:53 from inside `netns` for A records of `name` over UDP (or TCP).
struct DnsAnswer {
  int rcode = -1;
  std::vector<IpAddress> addresses;
};
inline DnsAnswer dns_query(int netns, const IpAddress& server, const std::string& name, bool tcp = false,
                           uint16_t port = 53) {
  DnsAnswer out;
  auto s = socket_in_netns(netns, AF_INET, tcp ? SOCK_STREAM : SOCK_DGRAM).value();
  set_timeouts(s.get(), 3000);
  auto sa = sockaddr_of(server, port);
  if (connect(s.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) return out;
  dns::Message q;
  q.id = 0x4242;
  q.flags = 0x0100;
  q.questions.push_back({name, dns::kA, dns::kClassIn});
  auto wire = dns::serialize(q);
  std::vector<uint8_t> got(4096);
  ssize_t n;
  if (tcp) {
    std::vector<uint8_t> framed = {uint8_t(wire.size() >> 8), uint8_t(wire.size())};
    framed.insert(framed.end(), wire.begin(), wire.end());
    if (write(s.get(), framed.data(), framed.size()) < 0) return out;
    n = read(s.get(), got.data(), got.size());
    if (n < 2) return out;
    got.erase(got.begin(), got.begin() + 2);
    n -= 2;
  } else {
    if (send(s.get(), wire.data(), wire.size(), 0) < 0) return out;
    n = recv(s.get(), got.data(), got.size(), 0);
  }
  if (n <= 0) return out;
  auto m = dns::parse({got.data(), size_t(n)});
  if (!m.ok()) return out;
  out.rcode = m->rcode();
  for (const auto& r : m->answers)
    if (r.type == dns::kA && r.rdata.size() == 4) {
      IpAddress ip;
      ip.family = AF_INET;
      std::copy(r.rdata.begin(), r.rdata.end(), ip.bytes.begin());
      out.addresses.push_back(ip);
    }
  return out;
}

}  // namespace pier::net::test

#include "net/socket_util.h"
#include "net/sockaddr.h"

namespace pier::net::test {

// An upstream resolver on loopback (nothing leaves the machine): answers `known` with
// `address`, NXDOMAIN for any other name, and counts the queries it got. serve() puts
// it on the loop that serves the project's DNS; the caller holds the watch it returns
// for no longer than that loop lives.
struct LoopbackResolver {
  LoopbackResolver(std::string known, const char* address)
      : socket(bind_socket(SOCK_DGRAM, ip_of("127.0.0.1"), 0, "").value()),
        port(local_port(socket.get())),
        known(std::move(known)),
        address(ip_of(address)) {}
  Endpoint4or6 endpoint() const { return {ip_of("127.0.0.1"), port}; }
  std::unique_ptr<event::FdWatch> serve(event::Loop& loop) {
    return loop.watch_fd(socket.get(), event::kReadable, [this](int) { answer(); }).value();
  }

  void answer() {
    uint8_t buf[1500];
    sockaddr_storage from{};
    socklen_t len = sizeof from;
    ssize_t n = recvfrom(socket.get(), buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len);
    if (n <= 0) return;
    auto q = dns::parse({buf, size_t(n)});
    if (!q.ok() || q->questions.empty()) return;
    ++queries;
    auto r = dns::make_reply(*q, q->questions[0].name == known ? dns::kNoError : dns::kNxDomain);
    if (r.rcode() == 0) r.answers.push_back(dns::address_record(known, address, 60));
    auto wire = dns::serialize(r);
    sendto(socket.get(), wire.data(), wire.size(), 0, reinterpret_cast<sockaddr*>(&from), len);
  }

  UniqueFd socket;
  uint16_t port;
  std::string known;
  IpAddress address;
  int queries = 0;
};

}  // namespace pier::net::test

#include <cstdlib>
#include <filesystem>
#include <memory>

#include "net/project_network.h"

namespace pier::net::test {

// A ProjectNetwork of a project of its own (named after `tag`), on a loop of its own,
// its state in a temporary directory; torn down (bridges, veths, nft table) when it goes.
struct ScratchProject {
  explicit ScratchProject(const char* tag) {
    char tmpl[] = "/tmp/pier-net-it-XXXXXX";
    state = ::mkdtemp(tmpl);
    loop = std::move(event::make_uv_loop()).value();
    net = std::move(ProjectNetwork::create(*loop, {unique_project(tag), state, 53, {}})).value();
  }
  ~ScratchProject() {
    (void)net->teardown();
    std::filesystem::remove_all(state);
  }
  std::string state;
  std::unique_ptr<event::Loop> loop;
  std::unique_ptr<ProjectNetwork> net;
};

}  // namespace pier::net::test
