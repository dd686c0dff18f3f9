// The userland proxy on loopback: the "container" is an echo server on 127.0.0.1.
#include <catch2/catch.hpp>

#include <sys/socket.h>
#include <unistd.h>

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <sys/resource.h>

#include <thread>

#include "event/loop.h"
#include "unit/net/open_fds.h"
#include "net/proxy/port_proxy.h"
#include "net/sockaddr.h"
#include "net/socket_util.h"

using namespace pier;
using namespace pier::net;
using namespace std::chrono_literals;

namespace {
const IpAddress kLo = IpAddress::parse("127.0.0.1").value();

UniqueFd connect_to(int type, uint16_t port) {
  UniqueFd fd(socket(AF_INET, type | SOCK_CLOEXEC, 0));
  sockaddr_storage ss;
  socklen_t len = to_sockaddr(kLo, port, ss);
  timeval tv{3, 0};
  setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (connect(fd.get(), reinterpret_cast<sockaddr*>(&ss), len) != 0) return {};
  return fd;
}
}  // namespace

TEST_CASE("tcp proxy relays both ways and closes cleanly", "[net][proxy]") {
  auto loop = std::move(event::make_uv_loop()).value();
  // Blocking echo "container" on its own thread.
  auto backend = bind_socket(SOCK_STREAM, kLo, 0, "").value();
  uint16_t backend_port = local_port(backend.get());
  std::thread echo([&] {
    pollfd p{backend.get(), POLLIN, 0};
    poll(&p, 1, 5000);
    UniqueFd c(accept(backend.get(), nullptr, nullptr));
    int flags = fcntl(c.get(), F_GETFL);
    fcntl(c.get(), F_SETFL, flags & ~O_NONBLOCK);
    char buf[65536];
    ssize_t n;
    while ((n = read(c.get(), buf, sizeof buf)) > 0) (void)!write(c.get(), buf, n);
  });
  PortMapping m{"web", IPPROTO_TCP, kLo, 0, kLo, backend_port};
  auto proxy = proxy::start_proxy(*loop, m);
  REQUIRE(proxy.ok());
  uint16_t port = (*proxy)->port();
  CHECK(port != 0);

  std::string sent(1 << 20, 'x');
  for (size_t i = 0; i < sent.size(); ++i) sent[i] = char('a' + i % 26);
  std::string got;
  std::thread client([&] {
    auto fd = connect_to(SOCK_STREAM, port);
    std::thread writer([&] {
      (void)!write(fd.get(), sent.data(), sent.size());
      shutdown(fd.get(), SHUT_WR);
    });
    char buf[65536];
    ssize_t n;
    while ((n = read(fd.get(), buf, sizeof buf)) > 0) got.append(buf, n);
    writer.join();
  });
  bool done = false;
  std::thread waiter([&] { client.join(); done = true; });
  loop->run_until([&] { return done && (*proxy)->sessions() == 0; }, 10000ms);
  waiter.join();
  echo.join();
  CHECK(got.size() == sent.size());
  CHECK(got == sent);
  CHECK((*proxy)->sessions() == 0);
}

TEST_CASE("udp proxy relays datagrams and replies", "[net][proxy]") {
  auto loop = std::move(event::make_uv_loop()).value();
  auto backend = bind_socket(SOCK_DGRAM, kLo, 0, "").value();
  uint16_t backend_port = local_port(backend.get());
  auto bw = loop->watch_fd(backend.get(), event::kReadable, [&](int) {
    char buf[1500];
    sockaddr_storage from{};
    socklen_t len = sizeof from;
    ssize_t n = recvfrom(backend.get(), buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len);
    if (n > 0) sendto(backend.get(), buf, n, 0, reinterpret_cast<sockaddr*>(&from), len);
  }).value();
  PortMapping m{"dns", IPPROTO_UDP, kLo, 0, kLo, backend_port};
  auto proxy = proxy::start_udp_proxy(*loop, m, 50ms);
  REQUIRE(proxy.ok());
  auto fd = connect_to(SOCK_DGRAM, (*proxy)->port());
  REQUIRE(send(fd.get(), "marco", 5, 0) == 5);
  REQUIRE(set_nonblocking(fd.get()).ok());
  std::string got;
  auto cw = loop->watch_fd(fd.get(), event::kReadable, [&](int) {
    char buf[64];
    ssize_t n = recv(fd.get(), buf, sizeof buf, 0);
    if (n > 0) got.assign(buf, n);
  }).value();
  REQUIRE(loop->run_until([&] { return !got.empty(); }, 5000ms));
  CHECK(got == "marco");
  CHECK((*proxy)->sessions() == 1);
  // Idle flows are dropped.
  CHECK(loop->run_until([&] { return (*proxy)->sessions() == 0; }, 2000ms));
}

TEST_CASE("a busy host port is an error naming the port and the service", "[net][proxy]") {
  auto loop = std::move(event::make_uv_loop()).value();
  auto squatter = bind_socket(SOCK_STREAM, kLo, 0, "").value();
  uint16_t port = local_port(squatter.get());
  PortMapping m{"web", IPPROTO_TCP, kLo, port, kLo, 80};
  auto proxy = proxy::start_proxy(*loop, m);
  REQUIRE_FALSE(proxy.ok());
  auto text = proxy.error().to_string();
  CHECK_THAT(text, Catch::Contains("service web"));
  CHECK_THAT(text, Catch::Contains(fmt::format("127.0.0.1:{}", port)));
  CHECK_THAT(text, Catch::Contains("Address already in use"));
}

TEST_CASE("tcp proxy floods: past its session limit new clients are closed, fds stay bounded", "[net][proxy]") {
  auto loop = std::move(event::make_uv_loop()).value();
  // A "container" that never accepts: connections wait in its backlog, holding sessions.
  auto backend = bind_socket(SOCK_STREAM, kLo, 0, "").value();
  PortMapping m{"web", IPPROTO_TCP, kLo, 0, kLo, local_port(backend.get())};
  constexpr size_t kLimit = 8, kClients = 48;
  auto proxy = proxy::start_tcp_proxy(*loop, m, kLimit);
  REQUIRE(proxy.ok());
  size_t before = test::open_fds();
  std::vector<UniqueFd> clients;
  for (size_t i = 0; i < kClients; ++i) {
    clients.push_back(connect_to(SOCK_STREAM, (*proxy)->port()));
    REQUIRE(clients.back().valid());
    REQUIRE(set_nonblocking(clients.back().get()).ok());
  }
  // A refused client reads end of file (or a reset); a kept one would block.
  auto closed = [&] {
    size_t n = 0;
    char c;
    for (const auto& fd : clients) {
      ssize_t got = recv(fd.get(), &c, 1, MSG_PEEK);
      n += got == 0 || (got < 0 && errno == ECONNRESET);
    }
    return n;
  };
  CHECK(loop->run_until([&] { return closed() == kClients - kLimit; }, 5000ms));
  CHECK((*proxy)->sessions() == kLimit);
  // Six fds per session (client, upstream, two pipes); the clients are the test's own.
  CHECK(test::open_fds() - before - kClients <= kLimit * 6);
}

TEST_CASE("udp proxy floods: past its flow limit new clients' datagrams are dropped", "[net][proxy]") {
  auto loop = std::move(event::make_uv_loop()).value();
  auto backend = bind_socket(SOCK_DGRAM, kLo, 0, "").value();
  PortMapping m{"dns", IPPROTO_UDP, kLo, 0, kLo, local_port(backend.get())};
  constexpr size_t kLimit = 4, kClients = 40;
  auto proxy = proxy::start_udp_proxy(*loop, m, 60000ms, kLimit);
  REQUIRE(proxy.ok());
  size_t before = test::open_fds();
  std::vector<UniqueFd> clients;
  for (size_t i = 0; i < kClients; ++i) {
    clients.push_back(connect_to(SOCK_DGRAM, (*proxy)->port()));
    REQUIRE(send(clients.back().get(), "x", 1, 0) == 1);
  }
  // Every datagram is queued before the loop runs; one wake-up drains them all.
  REQUIRE(loop->run_until([&] { return (*proxy)->sessions() > 0; }, 5000ms));
  CHECK((*proxy)->sessions() == kLimit);
  CHECK(test::open_fds() - before - kClients <= kLimit);
}

TEST_CASE("tcp proxy out of file descriptors pauses accepting instead of spinning", "[net][proxy]") {
  auto loop = std::move(event::make_uv_loop()).value();
  auto backend = bind_socket(SOCK_STREAM, kLo, 0, "").value();
  PortMapping m{"web", IPPROTO_TCP, kLo, 0, kLo, local_port(backend.get())};
  auto proxy = proxy::start_tcp_proxy(*loop, m);
  REQUIRE(proxy.ok());
  auto client = connect_to(SOCK_STREAM, (*proxy)->port());
  REQUIRE(client.valid());
  // The limit at the lowest free descriptor number: accept4 gets EMFILE, and the
  // connection stays in the backlog.
  long used = test::cpu_ms_out_of_fds([&] { loop->run_until([] { return false; }, 500ms); });
  REQUIRE(used >= 0);
  // A loop woken for the readable listener again and again would burn the whole time.
  CHECK(used < 50);
  CHECK((*proxy)->sessions() == 0);
  // With descriptors back, the waiting client is taken.
  CHECK(loop->run_until([&] { return (*proxy)->sessions() == 1; }, 2000ms));
}
