// enable_ipv6 on a real bridge: an address from pier's ULA pool, IPv6 between
// containers, a published port DNATed over IPv6, and outbound masquerade. Traffic stays
// on the bridge and in namespaces this test makes (the "outside" is a veth into a
// namespace of its own, on a ULA subnet outside pier's pool).
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "integration/net/helpers.h"
#include "net/nat/firewall.h"
#include "net/netlink/links.h"
#include "net/project_network.h"
#include "net/sysctl.h"

using namespace pier;
using namespace pier::net;
using namespace pier::net::test;

namespace {

sockaddr_in6 sockaddr6_of(const IpAddress& ip, uint16_t port) {
  sockaddr_in6 sa{};
  sa.sin6_family = AF_INET6;
  sa.sin6_port = htons(port);
  std::memcpy(&sa.sin6_addr, ip.bytes.data(), 16);
  return sa;
}

UniqueFd tcp6_in(int netns) {
  return netns >= 0 ? socket_in_netns(netns, AF_INET6, SOCK_STREAM).value()
                    : UniqueFd(::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0));
}

UniqueFd listen6_in(int netns, const IpAddress& ip, uint16_t& port) {
  auto s = tcp6_in(netns);
  auto sa = sockaddr6_of(ip, port);
  if (bind(s.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) return {};
  listen(s.get(), 4);
  socklen_t len = sizeof sa;
  getsockname(s.get(), reinterpret_cast<sockaddr*>(&sa), &len);
  port = ntohs(sa.sin6_port);
  set_timeouts(s.get(), 3000);
  return s;
}

UniqueFd connect6_from(int netns, const IpAddress& ip, uint16_t port, int timeout_ms = 2000) {
  auto s = tcp6_in(netns);
  set_timeouts(s.get(), timeout_ms);
  auto sa = sockaddr6_of(ip, port);
  if (connect(s.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) return {};
  return s;
}

// Accepts one connection and returns the peer's address (what NAT made of the source).
std::string accept_peer(int listener) {
  sockaddr_in6 peer{};
  socklen_t len = sizeof peer;
  UniqueFd c(accept4(listener, reinterpret_cast<sockaddr*>(&peer), &len, SOCK_CLOEXEC));
  if (!c) return "accept failed";
  IpAddress ip;
  ip.family = AF_INET6;
  std::memcpy(ip.bytes.data(), &peer.sin6_addr, 16);
  return ip.to_string();
}

std::string read_text(const char* path) {
  std::ifstream in(path);
  std::string s;
  std::getline(in, s);
  return s;
}

struct RestoreSysctl {
  const char* path;
  std::string value = read_text(path);
  ~RestoreSysctl() { std::ofstream(path) << value << "\n"; }
};

}  // namespace

TEST_CASE("ipv6: ULA subnet by default, container to container, DNAT of a published port, masquerade out",
          "[net][root][ipv6]") {
  PIER_NEEDS_ROOT();
  if (read_text("/proc/sys/net/ipv6/conf/all/disable_ipv6") == "1") {
    WARN("skipped: IPv6 is disabled on this host");
    return;
  }
  RestoreSysctl forwarding{"/proc/sys/net/ipv6/conf/all/forwarding"};
  char tmpl[] = "/tmp/pier-net-v6-XXXXXX";
  std::string state_dir = mkdtemp(tmpl);
  std::string project = unique_project("v6");
  auto loop = std::move(event::make_uv_loop()).value();
  auto created = ProjectNetwork::create(*loop, {project, state_dir, 53, {}});
  REQUIRE(created.ok());
  auto pn = std::move(created).value();
  auto host = netlink::Socket::open().value();
  std::string outside_link = fmt::format("pv6o{}", getpid() % 100000);
  struct Cleanup {
    std::unique_ptr<ProjectNetwork>& pn;
    const netlink::Socket& host;
    std::string link, dir;
    ~Cleanup() {
      if (pn) (void)pn->teardown();
      (void)netlink::delete_link_if_exists(host, link);
      std::filesystem::remove_all(dir);
    }
  } cleanup{pn, host, outside_link, state_dir};

  NetworkSpec spec;
  spec.name = "default";
  spec.ipv4.subnet = Subnet::parse("10.199.61.0/24").value();
  spec.ipv6 = IpamConfig{};  // enable_ipv6 with no subnet given
  auto added = pn->add_network(spec, true);
  if (!added.ok()) FAIL(added.error().to_string());
  Network* net = *added;
  REQUIRE(net->spec().ipv6);
  Subnet v6 = net->spec().ipv6->subnet;
  CHECK(v6.prefix == 64);
  CHECK(Subnet::parse("fd70:6965:7200::/48").value().contains(v6.address));
  REQUIRE(net->gateway6());
  CHECK(read_text("/proc/sys/net/ipv6/conf/all/forwarding") == "1");

  auto start = [&](const std::string& name) {
    auto netns = ContainerNetns::from_fd(new_netns());
    REQUIRE(netns.ok());
    auto eps = pn->attach(name, *netns, {{"default", {}, {name}}});
    if (!eps.ok()) FAIL(eps.error().to_string());
    REQUIRE(eps->front().ipv6);
    return std::make_pair(std::move(netns).value(), eps->front());
  };
  auto [web_ns, web] = start("web");
  auto [client_ns, client] = start("client");
  CHECK(v6.contains(*web.ipv6));
  // IPv6 stays on in a container of an enable_ipv6 network; router advertisements stay off.
  CHECK(sysctl_text(web_ns.fd(), "ipv6/conf/eth0/disable_ipv6") == "0");
  CHECK(sysctl_text(web_ns.fd(), "ipv6/conf/eth0/accept_ra") == "0");
  CHECK(sysctl_text(-1, fmt::format("ipv6/conf/{}/accept_ra", net->bridge())) == "0");

  // Container to container on the bridge: no NAT, the source is the client's own address.
  uint16_t port = 0;
  auto listener = listen6_in(web_ns.fd(), *web.ipv6, port);
  REQUIRE(listener.valid());
  {
    auto c = connect6_from(client_ns.fd(), *web.ipv6, port);
    REQUIRE(c.valid());
    CHECK(accept_peer(listener.get()) == client.ipv6->to_string());
  }

  // A published port: from a container to the host's address on its bridge, DNATed over
  // IPv6 to web (and the source rewritten, so the reply comes back the same way).
  auto published = pn->publish("web", {{"web", IPPROTO_TCP, {}, 0, web.ipv4, port, web.ipv6}});
  if (!published.ok()) FAIL(published.error().to_string());
  uint16_t host_port = (*published)[0].host_port;
  REQUIRE(host_port != 0);
  {
    // The first packet the host forwards to web waits for its neighbour discovery of
    // web's address (about 2 s on this kernel, see src/net/README.md): a long timeout.
    auto c = while_loop_runs(*loop, [&] { return connect6_from(client_ns.fd(), *net->gateway6(), host_port, 10000); });
    REQUIRE(c.valid());
    CHECK(accept_peer(listener.get()) == net->gateway6()->to_string());
  }

  // Outbound: a namespace beyond the host (a veth on a ULA /64 outside the pool) sees the
  // host's address, not the container's.
  auto outside_ns = ContainerNetns::from_fd(new_netns());
  REQUIRE(outside_ns.ok());
  netlink::VethSpec veth;
  veth.host_name = outside_link;
  veth.peer_name = "eth0";
  veth.peer_netns_fd = outside_ns->fd();
  REQUIRE(netlink::create_veth(host, veth).ok());
  auto host_side = IpAddress::parse("fd70:6965:72ff:ff::1").value();
  auto far_side = IpAddress::parse("fd70:6965:72ff:ff::2").value();
  int index = *netlink::find_link(host, outside_link).value();
  REQUIRE(netlink::add_address(host, index, host_side, 64).ok());
  REQUIRE(netlink::set_link_up(host, outside_link).ok());
  int far_index = *netlink::find_link(outside_ns->socket(), "eth0").value();
  REQUIRE(netlink::add_address(outside_ns->socket(), far_index, far_side, 64).ok());
  REQUIRE(netlink::set_link_up(outside_ns->socket(), "eth0").ok());
  uint16_t far_port = 0;
  auto far = listen6_in(outside_ns->fd(), far_side, far_port);
  REQUIRE(far.valid());
  {
    auto c = connect6_from(client_ns.fd(), far_side, far_port);
    REQUIRE(c.valid());
    CHECK(accept_peer(far.get()) == host_side.to_string());
  }

  REQUIRE(pn->teardown().ok());
  pn.reset();
  CHECK_FALSE(nat::ruleset_exists(project).value());
}
