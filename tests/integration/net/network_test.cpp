#include <catch2/catch.hpp>

#include <fmt/format.h>

#include "integration/net/helpers.h"
#include "net/names.h"
#include "net/netlink/links.h"
#include "net/network.h"

using namespace pier;
using namespace pier::net;
using namespace pier::net::test;

namespace {

NetworkSpec spec_for(const std::string& project, const std::string& name, const char* subnet) {
  NetworkSpec s;
  s.project = project;
  s.name = name;
  s.ipv4.subnet = Subnet::parse(subnet).value();
  return s;
}

struct Fixture {
  Fixture() { host = netlink::Socket::open().value(); }
  std::unique_ptr<Network> network(NetworkSpec s) {
    auto n = Network::create(host, std::move(s));
    if (!n.ok()) FAIL(n.error().to_string());
    nets.push_back(std::move(n).value());
    return nullptr;
  }
  ~Fixture() {
    for (auto& n : nets) (void)n->destroy();
  }
  netlink::Socket host;
  std::vector<std::unique_ptr<Network>> nets;
};

ContainerNetns container() {
  auto ns = ContainerNetns::from_fd(new_netns());
  REQUIRE(ns.ok());
  return std::move(ns).value();
}

}  // namespace

TEST_CASE("two containers on one bridge exchange TCP and UDP", "[net][root]") {
  PIER_NEEDS_ROOT();
  Fixture f;
  auto project = unique_project("a");
  f.network(spec_for(project, "default", "10.199.1.0/24"));
  Network& net = *f.nets[0];
  auto a = container(), b = container();
  auto ea = net.attach(a, {"a-1"});
  if (!ea.ok()) FAIL(ea.error().to_string());
  AttachSpec sb{"b-1"};
  sb.ipv4 = ip_of("10.199.1.50");
  sb.mac = "02:42:0a:c7:01:32";
  auto eb = net.attach(b, sb);
  REQUIRE(eb.ok());
  CHECK(ea->ipv4.to_string() == "10.199.1.2");
  CHECK(eb->ipv4.to_string() == "10.199.1.50");

  uint16_t port = 0;
  auto listener = listen_tcp_in(b.fd(), eb->ipv4, port);
  REQUIRE(listener.valid());
  auto echo = echo_once(listener.get());
  auto conn = connect_tcp_from(a.fd(), eb->ipv4, port);
  REQUIRE(conn.valid());
  CHECK(tcp_roundtrip(conn.get(), "hello over the bridge") == "hello over the bridge");
  conn.reset();
  echo.join();

  uint16_t uport = 0;
  auto server = bound_udp_in(b.fd(), eb->ipv4, uport);
  auto client = socket_in_netns(a.fd(), AF_INET, SOCK_DGRAM).value();
  auto sa = sockaddr_of(eb->ipv4, uport);
  set_timeouts(server.get(), 2000);
  REQUIRE(sendto(client.get(), "ping", 4, 0, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 4);
  char buf[16] = {};
  CHECK(recv(server.get(), buf, sizeof buf, 0) == 4);
  CHECK(std::string(buf) == "ping");

  REQUIRE(net.detach(*ea).ok());
  CHECK_FALSE(*netlink::find_link(f.host, ea->host_veth));
}

TEST_CASE("containers on different networks cannot reach each other", "[net][root]") {
  PIER_NEEDS_ROOT();
  Fixture f;
  auto project = unique_project("b");
  f.network(spec_for(project, "front", "10.199.2.0/24"));
  auto back = spec_for(project, "back", "10.199.3.0/24");
  back.internal = true;
  f.network(back);
  auto a = container(), b = container();
  auto ea = f.nets[0]->attach(a, {"a-1"});
  auto eb = f.nets[1]->attach(b, {"b-1"});
  REQUIRE(ea.ok());
  REQUIRE(eb.ok());
  uint16_t port = 0;
  auto listener = listen_tcp_in(b.fd(), eb->ipv4, port);
  // b is on an internal network: no default route, so nothing outside its subnet
  // (not even the other pier network) is reachable from it.
  auto out = connect_tcp_from(b.fd(), ea->ipv4, 9, 500);
  CHECK_FALSE(out.valid());
  CHECK(errno == ENETUNREACH);
  // a has a default route to its gateway, but the host does not forward into b's
  // bridge (ip_forward off here, nft isolation once NAT is set up).
  auto in = connect_tcp_from(a.fd(), eb->ipv4, port, 500);
  CHECK_FALSE(in.valid());
}

TEST_CASE("bridge creation errors name the bridge", "[net][root]") {
  PIER_NEEDS_ROOT();
  Fixture f;
  auto project = unique_project("c");
  f.network(spec_for(project, "default", "10.199.4.0/24"));
  auto again = Network::create(f.host, spec_for(project, "default", "10.199.4.0/24"));
  REQUIRE_FALSE(again.ok());
  CHECK_THAT(again.error().to_string(),
             Catch::Contains("create bridge " + bridge_name(project, "default") + ": File exists"));
  CHECK(again.error().errnum() == EEXIST);
  auto ext = spec_for(project, "outside", "10.199.5.0/24");
  ext.external = true;
  ext.bridge = "pier-nosuchbr";
  auto missing = Network::create(f.host, ext);
  REQUIRE_FALSE(missing.ok());
  CHECK_THAT(missing.error().to_string(), Catch::Contains("does not exist"));
}

TEST_CASE("a bridge name that is not a plain link name is refused before the kernel sees it", "[net][root]") {
  PIER_NEEDS_ROOT();
  netlink::Socket host = netlink::Socket::open().value();
  // The kernel takes a quote in a link name; pier's nftables rules quote bridge names.
  std::string quoted = fmt::format("pq\"{}", getpid() % 100000);
  auto spec = spec_for(unique_project("q"), "default", "10.199.6.0/24");
  spec.bridge = quoted;
  auto made = Network::create(host, spec);
  auto found = netlink::find_link(host, quoted);
  bool created = found.ok() && found->has_value();
  if (created) (void)netlink::delete_link(host, quoted);
  CHECK_FALSE(created);
  REQUIRE_FALSE(made.ok());
  CHECK_THAT(made.error().to_string(), Catch::Contains("bridge name `" + quoted + "` is not valid: only letters, digits"));
}
