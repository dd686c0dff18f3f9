// Per-attachment options seen from inside the "container": interface name, MTU,
// MAC, IPv6 address, which network carries the default route; external bridges.
#include <catch2/catch.hpp>
#include <net/if.h>
#include <sys/ioctl.h>

#include <cstring>
#include <filesystem>

#include "base/scope_exit.h"
#include "integration/net/helpers.h"
#include "net/netlink/links.h"
#include "net/project_network.h"

using namespace pier;
using namespace pier::net;
using namespace pier::net::test;

namespace {

struct IfInfo {
  bool exists = false;
  int mtu = 0;
  std::string mac;
};

// Reads an interface's MTU and MAC from inside `netns` with ioctls.
IfInfo interface_in(int netns, const std::string& name) {
  IfInfo info;
  (void)run_in_netns(netns, [&]() -> Status {
    UniqueFd s(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    ifreq req{};
    std::snprintf(req.ifr_name, IFNAMSIZ, "%s", name.c_str());
    if (ioctl(s.get(), SIOCGIFMTU, &req) != 0) return {};
    info.exists = true;
    info.mtu = req.ifr_mtu;
    if (ioctl(s.get(), SIOCGIFHWADDR, &req) == 0) {
      auto* m = reinterpret_cast<unsigned char*>(req.ifr_hwaddr.sa_data);
      info.mac = fmt::format("{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}", m[0], m[1], m[2], m[3], m[4], m[5]);
    }
    return {};
  });
  return info;
}

// True if `ip` is assigned inside `netns` (binding to it succeeds).
bool has_address(int netns, const IpAddress& ip) {
  auto s = socket_in_netns(netns, ip.family, SOCK_DGRAM).value();
  sockaddr_storage ss{};
  socklen_t len;
  if (ip.is_v4()) {
    auto sa = sockaddr_of(ip, 0);
    std::memcpy(&ss, &sa, sizeof sa);
    len = sizeof sa;
  } else {
    auto* sa6 = reinterpret_cast<sockaddr_in6*>(&ss);
    sa6->sin6_family = AF_INET6;
    std::memcpy(&sa6->sin6_addr, ip.bytes.data(), 16);
    len = sizeof *sa6;
  }
  return bind(s.get(), reinterpret_cast<sockaddr*>(&ss), len) == 0;
}

}  // namespace

TEST_CASE("attach honours interface_name, MTU, MAC and IPv6", "[net][root]") {
  PIER_NEEDS_ROOT();
  ScratchProject p("opt");
  NetworkSpec spec;
  spec.name = "default";
  spec.mtu = 1400;
  spec.ipv4.subnet = Subnet::parse("10.199.30.0/24").value();
  spec.ipv6 = IpamConfig{Subnet::parse("fd00:199:30::/64").value(), std::nullopt, std::nullopt, {}};
  REQUIRE(p.net->add_network(spec, true).ok());
  auto ns = ContainerNetns::from_fd(new_netns()).value();
  AttachSpec a;
  a.ifname = "data0";
  a.mac = "02:42:0a:c7:1e:09";
  a.ipv6 = ip_of("fd00:199:30::9");
  auto eps = p.net->attach("c", ns, {{"default", a, {"c"}}});
  if (!eps.ok()) FAIL(eps.error().to_string());
  auto info = interface_in(ns.fd(), "data0");
  CHECK(info.exists);
  CHECK(info.mtu == 1400);
  CHECK(info.mac == "02:42:0a:c7:1e:09");
  CHECK_FALSE(interface_in(ns.fd(), "eth0").exists);
  CHECK(has_address(ns.fd(), (*eps)[0].ipv4));
  CHECK(has_address(ns.fd(), ip_of("fd00:199:30::9")));
  CHECK(interface_in(ns.fd(), "lo").exists);
}

TEST_CASE("the default route goes through the network with the highest gw_priority", "[net][root]") {
  PIER_NEEDS_ROOT();
  ScratchProject p("opt");
  NetworkSpec a, b;
  a.name = "a";
  a.ipv4.subnet = Subnet::parse("10.199.31.0/24").value();
  b.name = "b";
  b.ipv4.subnet = Subnet::parse("10.199.32.0/24").value();
  REQUIRE(p.net->add_network(a, true).ok());
  auto* nb = *p.net->add_network(b, true);
  auto ns = ContainerNetns::from_fd(new_netns()).value();
  AttachSpec prefer;
  prefer.gw_priority = 10;
  REQUIRE(p.net->attach("c", ns, {{"a", {}, {"c"}}, {"b", prefer, {"c"}}}).ok());
  // Ask the kernel which source it would use towards an address outside both
  // subnets (a connected UDP socket sends nothing).
  auto s = socket_in_netns(ns.fd(), AF_INET, SOCK_DGRAM).value();
  auto sa = sockaddr_of(ip_of("10.199.250.1"), 9);
  REQUIRE(connect(s.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0);
  sockaddr_in local{};
  socklen_t len = sizeof local;
  getsockname(s.get(), reinterpret_cast<sockaddr*>(&local), &len);
  CHECK(nb->subnet().contains(IpAddress::v4(ntohl(local.sin_addr.s_addr))));
}

TEST_CASE("an external bridge is used but never deleted", "[net][root]") {
  PIER_NEEDS_ROOT();
  auto host = netlink::Socket::open().value();
  std::string ext = fmt::format("pier-x{}", getpid() % 100000);
  REQUIRE(netlink::create_bridge(host, ext, 0).ok());
  ScopeExit remove_bridge([&] { (void)netlink::delete_link(host, ext); });
  {
    ScratchProject p("opt");
    NetworkSpec spec;
    spec.name = "shared";
    spec.external = true;
    spec.bridge = ext;
    spec.ipv4.subnet = Subnet::parse("10.199.33.0/24").value();
    auto n = p.net->add_network(spec, true);
    if (!n.ok()) FAIL(n.error().to_string());
    auto ns = ContainerNetns::from_fd(new_netns()).value();
    REQUIRE(p.net->attach("c", ns, {{"shared", {}, {"c"}}}).ok());
  }
  CHECK(*netlink::find_link(host, ext));
}

TEST_CASE("network_mode none: loopback only, and up", "[net][root]") {
  PIER_NEEDS_ROOT();
  auto ns = ContainerNetns::from_fd(new_netns());
  REQUIRE(ns.ok());
  REQUIRE(ns->bring_up_loopback().ok());
  uint16_t port = 0;
  auto lo = ip_of("127.0.0.1");
  auto listener = listen_tcp_in(ns->fd(), lo, port);
  REQUIRE(listener.valid());
  auto echo = echo_once(listener.get());
  auto conn = connect_tcp_from(ns->fd(), lo, port);
  REQUIRE(conn.valid());
  CHECK(tcp_roundtrip(conn.get(), "self") == "self");
  conn.reset();
  echo.join();
  CHECK(interface_in(ns->fd(), "lo").exists);
  CHECK_FALSE(interface_in(ns->fd(), "eth0").exists);
}
