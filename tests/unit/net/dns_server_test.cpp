// The DNS server on a real libuv loop over loopback; the "host resolver" is a fake
// upstream on loopback too. No traffic leaves the machine.
#include <catch2/catch.hpp>

#include <fmt/format.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "event/loop.h"
#include "unit/net/open_fds.h"
#include "net/dns/message.h"
#include "net/dns/server.h"
#include "net/socket_util.h"

using namespace pier;
using namespace pier::net;
using namespace pier::net::dns;
using namespace std::chrono_literals;

namespace {
const IpAddress kLo = IpAddress::parse("127.0.0.1").value();

std::vector<uint8_t> query_wire(const std::string& name, uint16_t type, uint16_t id) {
  Message q;
  q.id = id;
  q.flags = 0x0100;
  q.questions.push_back({name, type, kClassIn});
  return serialize(q);
}

struct Harness {
  Harness(ServerOptions opts = {}) {
    loop = std::move(event::make_uv_loop()).value();
    server = std::make_unique<Server>(*loop, registry, std::move(opts));
    port = server->listen(kLo, 0).value();
    // The test process itself asks from 127.0.0.1: register it as a container.
    registry.add({"p-client-1", "default", {kLo}, {"client"}});
  }
  Message ask_udp(const std::string& name, uint16_t type) {
    auto fd = bind_socket(SOCK_DGRAM, kLo, 0, "").value();
    sockaddr_storage ss;
    socklen_t len = to_sockaddr(kLo, port, ss);
    auto wire = query_wire(name, type, 0xbeef);
    sendto(fd.get(), wire.data(), wire.size(), 0, reinterpret_cast<sockaddr*>(&ss), len);
    std::vector<uint8_t> got;
    auto watch = loop->watch_fd(fd.get(), event::kReadable, [&](int) {
      got.resize(4096);
      got.resize(std::max<ssize_t>(0, recv(fd.get(), got.data(), got.size(), 0)));
    }).value();
    REQUIRE(loop->run_until([&] { return !got.empty(); }, 5000ms));
    auto m = parse(got);
    REQUIRE(m.ok());
    CHECK(m->id == 0xbeef);
    return *m;
  }
  std::unique_ptr<event::Loop> loop;
  Registry registry;
  std::unique_ptr<Server> server;
  uint16_t port = 0;
};

// A fake upstream resolver on loopback answering every A query with 192.0.2.53,
// or staying silent.
struct FakeUpstream {
  FakeUpstream(event::Loop& loop, bool silent) {
    fd = bind_socket(SOCK_DGRAM, kLo, 0, "").value();
    port = local_port(fd.get());
    watch = loop.watch_fd(fd.get(), event::kReadable, [this, silent](int) {
      uint8_t buf[1500];
      sockaddr_storage from{};
      socklen_t len = sizeof from;
      ssize_t n = recvfrom(fd.get(), buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len);
      if (n <= 0) return;
      ++queries;
      if (silent) return;
      auto q = parse({buf, size_t(n)}).value();
      auto r = make_reply(q, kNoError);
      r.answers.push_back(address_record(q.questions[0].name, IpAddress::parse("192.0.2.53").value(), 30));
      auto wire = serialize(r);
      sendto(fd.get(), wire.data(), wire.size(), 0, reinterpret_cast<sockaddr*>(&from), len);
    }).value();
  }
  UniqueFd fd;
  uint16_t port = 0;
  int queries = 0;
  std::unique_ptr<event::FdWatch> watch;
};
}  // namespace

TEST_CASE("dns server answers container names over UDP", "[net][dns]") {
  Harness h;
  h.registry.add({"p-web-1", "default", {IpAddress::parse("10.1.0.2").value()}, {"web"}});
  auto m = h.ask_udp("web", kA);
  CHECK(m.rcode() == kNoError);
  REQUIRE(m.answers.size() == 1);
  CHECK(m.answers[0].rdata == std::vector<uint8_t>{10, 1, 0, 2});
  // Live update: the name disappears with its container.
  h.registry.remove("p-web-1");
  CHECK(h.ask_udp("web", kA).rcode() == kServFail);  // no upstreams configured
}

TEST_CASE("dns server answers over TCP with length framing", "[net][dns]") {
  Harness h;
  h.registry.add({"p-db-1", "default", {IpAddress::parse("10.1.0.9").value()}, {"db"}});
  auto fd = UniqueFd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_storage ss;
  socklen_t len = to_sockaddr(kLo, h.port, ss);
  REQUIRE(connect(fd.get(), reinterpret_cast<sockaddr*>(&ss), len) == 0);
  auto wire = query_wire("db", kA, 7);
  std::vector<uint8_t> framed = {uint8_t(wire.size() >> 8), uint8_t(wire.size())};
  framed.insert(framed.end(), wire.begin(), wire.end());
  REQUIRE(write(fd.get(), framed.data(), framed.size()) == ssize_t(framed.size()));
  REQUIRE(set_nonblocking(fd.get()).ok());
  std::vector<uint8_t> got;
  auto watch = h.loop->watch_fd(fd.get(), event::kReadable, [&](int) {
    uint8_t buf[1024];
    ssize_t n = read(fd.get(), buf, sizeof buf);
    if (n > 0) got.insert(got.end(), buf, buf + n);
  }).value();
  REQUIRE(h.loop->run_until([&] { return got.size() > 2 && got.size() >= 2u + (got[0] << 8 | got[1]); }, 5000ms));
  auto m = parse({got.data() + 2, got.size() - 2});
  REQUIRE(m.ok());
  CHECK(m->id == 7);
  REQUIRE(m->answers.size() == 1);
  CHECK(m->answers[0].rdata == std::vector<uint8_t>{10, 1, 0, 9});
}

TEST_CASE("dns server forwards other names to the upstream resolver", "[net][dns]") {
  Harness h;
  FakeUpstream up(*h.loop, false);
  // Rebuild the server with the upstream now that its port is known.
  h.server.reset();
  h.server = std::make_unique<Server>(*h.loop, h.registry, ServerOptions{{{kLo, up.port}}, 2000ms, 600});
  h.port = h.server->listen(kLo, 0).value();
  auto m = h.ask_udp("example.test", kA);
  CHECK(m.rcode() == kNoError);
  REQUIRE(m.answers.size() == 1);
  CHECK(m.answers[0].rdata == std::vector<uint8_t>{192, 0, 2, 53});
  CHECK(up.queries == 1);
  CHECK(h.server->pending_forwards() == 0);
}

TEST_CASE("dns server forwards a container with its own dns: servers to those", "[net][dns]") {
  Harness h;
  FakeUpstream host_resolver(*h.loop, false);
  FakeUpstream custom(*h.loop, false);
  h.server.reset();
  h.server = std::make_unique<Server>(*h.loop, h.registry, ServerOptions{{{kLo, host_resolver.port}}, 2000ms, 600});
  h.port = h.server->listen(kLo, 0).value();
  h.server->set_container_upstreams("p-client-1", {{kLo, custom.port}});
  CHECK(h.ask_udp("example.test", kA).rcode() == kNoError);
  CHECK(custom.queries == 1);
  CHECK(host_resolver.queries == 0);
  h.server->set_container_upstreams("p-client-1", {});
  CHECK(h.ask_udp("example.test", kA).rcode() == kNoError);
  CHECK(host_resolver.queries == 1);
}

TEST_CASE("dns server tries the next upstream, then answers SERVFAIL", "[net][dns]") {
  Harness h;
  FakeUpstream silent(*h.loop, true);
  FakeUpstream silent2(*h.loop, true);
  h.server.reset();
  h.server = std::make_unique<Server>(*h.loop, h.registry,
                                      ServerOptions{{{kLo, silent.port}, {kLo, silent2.port}}, 100ms, 600});
  h.port = h.server->listen(kLo, 0).value();
  auto m = h.ask_udp("nowhere.test", kA);
  CHECK(m.rcode() == kServFail);
  CHECK(silent.queries == 1);
  CHECK(silent2.queries == 1);
}

TEST_CASE("dns server refuses recursion to askers that are not containers", "[net][dns]") {
  Harness h;
  h.registry.remove("p-client-1");
  auto m = h.ask_udp("example.test", kA);
  CHECK(m.rcode() == kRefused);
}

TEST_CASE("dns server rejects garbage with FORMERR and ignores short packets", "[net][dns]") {
  Harness h;
  std::vector<std::vector<uint8_t>> replies;
  std::vector<uint8_t> junk = {0xab, 0xcd, 1, 0, 0, 5, 0, 0, 0, 0, 0, 0, 3, 'x'};
  h.server->handle(junk, kLo, [&](std::vector<uint8_t> r) { replies.push_back(r); }, 512);
  std::vector<uint8_t> tiny = {1, 2, 3};
  h.server->handle(tiny, kLo, [&](std::vector<uint8_t> r) { replies.push_back(r); }, 512);
  REQUIRE(replies.size() == 1);
  auto m = parse(replies[0]);
  REQUIRE(m.ok());
  CHECK(m->id == 0xabcd);
  CHECK(m->rcode() == kFormErr);
}

TEST_CASE("dns server floods: forwarded queries past the limit get SERVFAIL at once, fds stay bounded",
          "[net][dns]") {
  Harness h;
  FakeUpstream silent(*h.loop, true);
  ServerOptions opts{{{kLo, silent.port}}, 60000ms, 600};
  opts.max_forwards = 8;
  h.server.reset();
  h.server = std::make_unique<Server>(*h.loop, h.registry, opts);
  size_t before = test::open_fds();
  int servfails = 0;
  for (uint16_t id = 0; id < 100; ++id) {
    auto wire = query_wire(fmt::format("n{}.example.test", id), kA, id);
    h.server->handle(wire, kLo, [&](std::vector<uint8_t> r) { servfails += parse(r).value().rcode() == kServFail; },
                     512);
  }
  CHECK(h.server->pending_forwards() == 8);
  CHECK(servfails == 92);
  CHECK(test::open_fds() - before <= 8);
}

TEST_CASE("dns server floods: TCP clients past the limit are closed, fds stay bounded", "[net][dns]") {
  ServerOptions opts;
  opts.max_tcp_connections = 4;
  Harness h(opts);
  size_t before = test::open_fds();
  constexpr size_t kClients = 40;
  std::vector<UniqueFd> clients;
  for (size_t i = 0; i < kClients; ++i) {
    clients.emplace_back(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_storage ss;
    socklen_t len = to_sockaddr(kLo, h.port, ss);
    REQUIRE(connect(clients.back().get(), reinterpret_cast<sockaddr*>(&ss), len) == 0);
    REQUIRE(set_nonblocking(clients.back().get()).ok());
  }
  auto closed = [&] {
    size_t n = 0;
    char c;
    for (const auto& fd : clients) {
      ssize_t got = recv(fd.get(), &c, 1, MSG_PEEK);
      n += got == 0 || (got < 0 && errno == ECONNRESET);
    }
    return n;
  };
  CHECK(h.loop->run_until([&] { return closed() == kClients - 4; }, 5000ms));
  CHECK(h.server->tcp_connections() == 4);
  CHECK(test::open_fds() - before - kClients <= 4);
}

TEST_CASE("dns server out of file descriptors pauses accepting TCP instead of spinning", "[net][dns]") {
  Harness h;
  UniqueFd client(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_storage ss;
  socklen_t len = to_sockaddr(kLo, h.port, ss);
  REQUIRE(connect(client.get(), reinterpret_cast<sockaddr*>(&ss), len) == 0);
  // The limit at the lowest free descriptor number: accept4 gets EMFILE.
  long used = test::cpu_ms_out_of_fds([&] { h.loop->run_until([] { return false; }, 500ms); });
  REQUIRE(used >= 0);
  CHECK(used < 50);
  CHECK(h.server->tcp_connections() == 0);
  CHECK(h.loop->run_until([&] { return h.server->tcp_connections() == 1; }, 2000ms));
}
