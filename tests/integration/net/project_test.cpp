// A whole project's networking as the supervisor drives it, with bare network
// namespaces standing in for containers. Traffic stays on loopback and on the
// bridges these tests create (10.199.0.0/16 subnets, all local to the host).
#include <catch2/catch.hpp>
#include <fcntl.h>
#include <linux/netlink.h>
#include <sys/socket.h>

#include <filesystem>
#include <optional>
#include <set>

#include "integration/net/helpers.h"
#include "net/nat/firewall.h"
#include "net/names.h"
#include "net/netlink/links.h"
#include "net/project_network.h"
#include "net/socket_util.h"
#include "net/sysctl.h"

using namespace pier;
using namespace pier::net;
using namespace pier::net::test;
using namespace std::chrono_literals;

namespace {

struct Project {
  explicit Project(const char* tag, dns::ServerOptions dns = {}) {
    char tmpl[] = "/tmp/pier-net-it-XXXXXX";
    state_dir = mkdtemp(tmpl);
    name = unique_project(tag);
    loop = std::move(event::make_uv_loop()).value();
    auto p = ProjectNetwork::create(*loop, {name, state_dir, 53, std::move(dns)});
    REQUIRE(p.ok());
    net = std::move(p).value();
  }
  ~Project() {
    if (net) (void)net->teardown();
    net.reset();
    std::filesystem::remove_all(state_dir);
  }
  Network* add(const char* network, const char* subnet, bool internal = false) {
    NetworkSpec spec;
    spec.name = network;
    spec.internal = internal;
    spec.ipv4.subnet = Subnet::parse(subnet).value();
    auto n = net->add_network(spec, true);
    if (!n.ok()) FAIL(n.error().to_string());
    return *n;
  }
  struct Container {
    ContainerNetns netns;
    std::vector<Endpoint> eps;
  };
  Container start(const std::string& container, std::vector<ContainerNetwork> nets) {
    auto netns = ContainerNetns::from_fd(new_netns());
    REQUIRE(netns.ok());
    auto eps = net->attach(container, *netns, std::move(nets));
    if (!eps.ok()) FAIL(eps.error().to_string());
    return {std::move(netns).value(), std::move(eps).value()};
  }
  std::string state_dir, name;
  std::unique_ptr<event::Loop> loop;
  std::unique_ptr<ProjectNetwork> net;
};

ContainerNetwork on(const char* network, std::vector<std::string> names, AttachSpec spec = {}) {
  return {network, spec, std::move(names)};
}

}  // namespace

TEST_CASE("project: containers resolve each other by service, container name and alias, and talk TCP and UDP",
          "[net][root][dns]") {
  PIER_NEEDS_ROOT();
  Project p("dn");
  auto* net = p.add("default", "10.199.10.0/24");
  auto web = p.start(p.name + "-web-1", {on("default", {"web", p.name + "-web-1", "www"})});
  auto db = p.start(p.name + "-db-1", {on("default", {"db", p.name + "-db-1", "database"})});
  auto gw = net->gateway();
  for (const std::string& name : std::vector<std::string>{"db", p.name + "-db-1", "database", "DB."}) {
    auto ans = while_loop_runs(*p.loop, [&] { return dns_query(web.netns.fd(), gw, name); });
    CHECK(ans.rcode == 0);
    REQUIRE(ans.addresses.size() == 1);
    CHECK(ans.addresses[0] == db.eps[0].ipv4);
  }
  auto tcp_ans = while_loop_runs(*p.loop, [&] { return dns_query(db.netns.fd(), gw, "www", true); });
  REQUIRE(tcp_ans.addresses.size() == 1);
  CHECK(tcp_ans.addresses[0] == web.eps[0].ipv4);
  auto missing = while_loop_runs(*p.loop, [&] { return dns_query(db.netns.fd(), gw, "nope.invalid"); });
  CHECK(missing.rcode == dns::kServFail);  // no upstream configured in this test

  // TCP from web to db by the resolved address.
  uint16_t port = 0;
  auto listener = listen_tcp_in(db.netns.fd(), db.eps[0].ipv4, port);
  auto echo = echo_once(listener.get());
  auto conn = connect_tcp_from(web.netns.fd(), db.eps[0].ipv4, port);
  REQUIRE(conn.valid());
  CHECK(tcp_roundtrip(conn.get(), "select 1") == "select 1");
  conn.reset();
  echo.join();
  // UDP from db to web.
  uint16_t uport = 0;
  auto server = bound_udp_in(web.netns.fd(), web.eps[0].ipv4, uport);
  set_timeouts(server.get(), 2000);
  auto client = socket_in_netns(db.netns.fd(), AF_INET, SOCK_DGRAM).value();
  auto sa = sockaddr_of(web.eps[0].ipv4, uport);
  REQUIRE(sendto(client.get(), "ping", 4, 0, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 4);
  char buf[8] = {};
  CHECK(recv(server.get(), buf, sizeof buf, 0) == 4);

  // Live update: once db is detached its name is gone.
  REQUIRE(p.net->detach(p.name + "-db-1").ok());
  auto gone = while_loop_runs(*p.loop, [&] { return dns_query(web.netns.fd(), gw, "db"); });
  CHECK(gone.rcode == dns::kServFail);  // unknown now, and no upstream to ask
  CHECK(gone.addresses.empty());
}

TEST_CASE("project: containers on different networks neither resolve nor reach each other", "[net][root]") {
  PIER_NEEDS_ROOT();
  Project p("iso");
  auto* front = p.add("front", "10.199.11.0/24");
  p.add("back", "10.199.12.0/24");
  auto a = p.start("a", {on("front", {"a"})});
  auto b = p.start("b", {on("back", {"b"})});
  auto both = p.start("api", {on("front", {"api"}), on("back", {"api"})});
  CHECK(both.eps.size() == 2);
  CHECK(both.eps[1].ifname == "eth1");
  auto ans = while_loop_runs(*p.loop, [&] { return dns_query(a.netns.fd(), front->gateway(), "b"); });
  CHECK(ans.addresses.empty());
  auto api_sees_b = while_loop_runs(*p.loop, [&] { return dns_query(both.netns.fd(), front->gateway(), "b"); });
  CHECK(api_sees_b.addresses.size() == 1);
  uint16_t port = 0;
  auto listener = listen_tcp_in(b.netns.fd(), b.eps[0].ipv4, port);
  // a has a default route through the host, and the host forwards, but the
  // project's nft table drops traffic entering `back` from another bridge.
  auto conn = connect_tcp_from(a.netns.fd(), b.eps[0].ipv4, port, 700);
  CHECK_FALSE(conn.valid());
}

TEST_CASE("project: an internal network has no route beyond its bridge", "[net][root]") {
  PIER_NEEDS_ROOT();
  Project p("int");
  p.add("front", "10.199.13.0/24");
  auto* secret = p.add("secret", "10.199.14.0/24", true);
  auto outside = p.start("web", {on("front", {"web"})});
  auto inside = p.start("vault", {on("secret", {"vault"})});
  uint16_t port = 0;
  auto listener = listen_tcp_in(outside.netns.fd(), outside.eps[0].ipv4, port);
  auto conn = connect_tcp_from(inside.netns.fd(), outside.eps[0].ipv4, port, 700);
  CHECK_FALSE(conn.valid());
  CHECK(errno == ENETUNREACH);
  // Its own gateway (the DNS server) is still reachable.
  auto ans = while_loop_runs(*p.loop, [&] { return dns_query(inside.netns.fd(), secret->gateway(), "vault"); });
  CHECK(ans.addresses.size() == 1);
}

TEST_CASE("project: a published TCP and UDP port is reachable from host loopback and from another container",
          "[net][root][ports]") {
  PIER_NEEDS_ROOT();
  Project p("pub");
  p.add("default", "10.199.15.0/24");
  auto* other = p.add("other", "10.199.16.0/24");
  auto web = p.start("web", {on("default", {"web"})});
  auto client = p.start("client", {on("other", {"client"})});
  uint16_t tport = 0, uport = 0;
  auto listener = listen_tcp_in(web.netns.fd(), web.eps[0].ipv4, tport);
  auto udp = bound_udp_in(web.netns.fd(), web.eps[0].ipv4, uport);
  set_timeouts(udp.get(), 3000);
  auto published = p.net->publish("web", {{"web", IPPROTO_TCP, {}, 0, web.eps[0].ipv4, tport},
                                         {"web", IPPROTO_UDP, {}, 0, web.eps[0].ipv4, uport}});
  if (!published.ok()) FAIL(published.error().to_string());
  uint16_t host_tcp = (*published)[0].host_port, host_udp = (*published)[1].host_port;
  CHECK(host_tcp != 0);
  CHECK(host_udp != 0);
  auto lo = ip_of("127.0.0.1");

  for (int from : {-1, client.netns.fd()}) {
    // From the host: loopback through the proxy. From `client`: its own gateway,
    // a host address, DNATed by the project's table.
    IpAddress target = from < 0 ? lo : other->gateway();
    auto echo = echo_once(listener.get());
    auto reply = while_loop_runs(*p.loop, [&] {
      auto c = connect_tcp_from(from, target, host_tcp);
      return c.valid() ? tcp_roundtrip(c.get(), "GET /") : std::string("connect failed");
    });
    CHECK(reply == "GET /");
    echo.join();
    auto got = while_loop_runs(*p.loop, [&] {
      auto s = from < 0 ? UniqueFd(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0))
                        : socket_in_netns(from, AF_INET, SOCK_DGRAM).value();
      auto sa = sockaddr_of(target, host_udp);
      sendto(s.get(), "dgram", 5, 0, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
      char buf[16] = {};
      ssize_t n = recv(udp.get(), buf, sizeof buf, 0);
      return n > 0 ? std::string(buf, n) : std::string("nothing");
    });
    CHECK(got == "dgram");
  }
  REQUIRE(p.net->unpublish("web").ok());
  auto after = connect_tcp_from(-1, lo, host_tcp, 500);
  CHECK_FALSE(after.valid());
}

TEST_CASE("project: static addresses and round robin over 3 replicas", "[net][root][dns]") {
  PIER_NEEDS_ROOT();
  Project p("rr");
  auto* net = p.add("default", "10.199.17.0/24");
  AttachSpec fixed;
  fixed.ipv4 = ip_of("10.199.17.200");
  fixed.mac = "02:42:0a:c7:11:c8";
  auto db = p.start("db-1", {on("default", {"db"}, fixed)});
  CHECK(db.eps[0].ipv4.to_string() == "10.199.17.200");
  std::vector<Project::Container> replicas;
  for (int i = 1; i <= 3; ++i) replicas.push_back(p.start(fmt::format("web-{}", i), {on("default", {"web"})}));
  std::set<IpAddress> firsts;
  for (int i = 0; i < 3; ++i) {
    auto ans = while_loop_runs(*p.loop, [&] { return dns_query(db.netns.fd(), net->gateway(), "web"); });
    REQUIRE(ans.addresses.size() == 3);
    firsts.insert(ans.addresses[0]);
  }
  CHECK(firsts.size() == 3);
  // A taken static address is refused with the owner's name.
  auto clash = ContainerNetns::from_fd(new_netns());
  auto err = p.net->attach("db-2", *clash, {on("default", {"db"}, fixed)});
  REQUIRE_FALSE(err.ok());
  CHECK_THAT(err.error().to_string(), Catch::Contains("already in use by db-1"));
}

TEST_CASE("project: a busy host port is a clear error naming port and service", "[net][root][ports]") {
  PIER_NEEDS_ROOT();
  Project p("busy");
  p.add("default", "10.199.18.0/24");
  auto web = p.start("web", {on("default", {"web"})});
  auto squatter = bind_socket(SOCK_STREAM, IpAddress::v4(0), 0, "").value();
  uint16_t port = local_port(squatter.get());
  auto r = p.net->publish("web", {{"web", IPPROTO_TCP, {}, port, web.eps[0].ipv4, 80}});
  REQUIRE_FALSE(r.ok());
  auto text = r.error().to_string();
  CHECK_THAT(text, Catch::Contains("service web"));
  CHECK_THAT(text, Catch::Contains(fmt::format(":{}", port)));
  CHECK_THAT(text, Catch::Contains("Address already in use"));
}

TEST_CASE("project: other names are forwarded to the host's resolver", "[net][root][dns]") {
  PIER_NEEDS_ROOT();
  // The "host resolver" is a fake on loopback; nothing leaves the machine.
  LoopbackResolver upstream("known.test", "192.0.2.77");
  Project p("fwd", dns::ServerOptions{{upstream.endpoint()}, 500ms, 600});
  auto* net = p.add("default", "10.199.19.0/24");
  auto c = p.start("c", {on("default", {"c"})});
  auto watch = upstream.serve(*p.loop);
  auto known = while_loop_runs(*p.loop, [&] { return dns_query(c.netns.fd(), net->gateway(), "known.test"); });
  CHECK(known.rcode == 0);
  REQUIRE(known.addresses.size() == 1);
  CHECK(known.addresses[0].to_string() == "192.0.2.77");
  auto unknown = while_loop_runs(*p.loop, [&] { return dns_query(c.netns.fd(), net->gateway(), "unknown.test"); });
  CHECK(unknown.rcode == dns::kNxDomain);
}

TEST_CASE("project: down after a crash finds and removes everything", "[net][root]") {
  PIER_NEEDS_ROOT();
  char tmpl[] = "/tmp/pier-net-it-XXXXXX";
  std::string state = mkdtemp(tmpl);
  auto project = unique_project("crash");
  std::string bridge;
  std::vector<std::string> veths;
  UniqueFd survivor;  // a container that outlives the crashed supervisor
  {
    auto loop = std::move(event::make_uv_loop()).value();
    auto pn = std::move(ProjectNetwork::create(*loop, {project, state, 53, {}})).value();
    NetworkSpec spec;
    spec.name = "default";
    auto n = pn->add_network(spec, false);  // subnet from the default pools
    REQUIRE(n.ok());
    bridge = (*n)->bridge();
    CHECK((*n)->subnet().prefix > 0);
    survivor = new_netns();
    auto ns = ContainerNetns::from_fd(UniqueFd(dup(survivor.get())));
    auto eps = pn->attach("c", *ns, {on("default", {"c"})});
    REQUIRE(eps.ok());
    veths.push_back((*eps)[0].host_veth);
    REQUIRE(nat::ruleset_exists(project).value());
    // The supervisor "crashes": objects dropped, no teardown.
  }
  auto host = netlink::Socket::open().value();
  CHECK(*netlink::find_link(host, bridge));
  REQUIRE(teardown_project(host, state, project).ok());
  CHECK_FALSE(*netlink::find_link(host, bridge));
  CHECK_FALSE(*netlink::find_link(host, veths[0]));
  CHECK_FALSE(nat::ruleset_exists(project).value());
  CHECK(SubnetStore(state).load(project)->empty());
  std::filesystem::remove_all(state);
}

namespace {

// A host beside this one: a namespace behind a veth whose host end has an address,
// so its traffic reaches the host as a neighbour's would. Its default route points at
// the host, and route_localnet lets it send to (and hear back from) 127.0.0.1 through
// that route, as a hostile neighbour or a container with NET_RAW can.
struct Neighbour {
  Neighbour(const std::string& link, const char* host_ip, const char* far_ip)
      : host(netlink::Socket::open().value()), link(link), host_side(ip_of(host_ip)), far_side(ip_of(far_ip)) {
    auto made = ContainerNetns::from_fd(new_netns());
    REQUIRE(made.ok());
    ns.emplace(std::move(made).value());
    netlink::VethSpec veth;
    veth.host_name = link;
    veth.peer_name = "eth0";
    veth.peer_netns_fd = ns->fd();
    REQUIRE(netlink::create_veth(host, veth).ok());
    int index = *netlink::find_link(host, link).value();
    REQUIRE(netlink::add_address(host, index, host_side, 30).ok());
    REQUIRE(netlink::set_link_up(host, link).ok());
    int far_index = *netlink::find_link(ns->socket(), "eth0").value();
    REQUIRE(netlink::add_address(ns->socket(), far_index, far_side, 30).ok());
    REQUIRE(netlink::set_link_up(ns->socket(), "eth0").ok());
    REQUIRE(netlink::add_default_route(ns->socket(), far_index, host_side, 0).ok());
    REQUIRE(write_sysctl_in(ns->fd(), "ipv4/conf/all/route_localnet", "1").ok());
  }
  ~Neighbour() { (void)netlink::delete_link_if_exists(host, link); }
  netlink::Socket host;
  std::string link;
  IpAddress host_side, far_side;
  std::optional<ContainerNetns> ns;
};

}  // namespace

TEST_CASE("project: a port published on 127.0.0.1 is reachable from the host only, one on a host address "
          "only through that address",
          "[net][root][ports]") {
  PIER_NEEDS_ROOT();
  Project p("plo");
  auto* net = p.add("default", "10.199.70.0/24");
  auto web = p.start("web", {on("default", {"web"})});
  Neighbour nb(p.name + "nb", "10.199.71.1", "10.199.71.2");
  uint16_t tport = 0;
  auto listener = listen_tcp_in(web.netns.fd(), web.eps[0].ipv4, tport);
  auto lo = ip_of("127.0.0.1");
  auto published = p.net->publish("web", {{"web", IPPROTO_TCP, lo, 0, web.eps[0].ipv4, tport},
                                         {"web", IPPROTO_TCP, nb.host_side, 0, web.eps[0].ipv4, tport}});
  if (!published.ok()) FAIL(published.error().to_string());
  uint16_t on_lo = (*published)[0].host_port, on_nb = (*published)[1].host_port;

  auto roundtrip = [&](int from, const IpAddress& target, uint16_t port) {
    auto echo = echo_once(listener.get());
    auto reply = while_loop_runs(*p.loop, [&] {
      auto c = connect_tcp_from(from, target, port);
      return c.valid() ? tcp_roundtrip(c.get(), "GET /") : std::string("connect failed");
    });
    echo.join();
    return reply;
  };
  // The listener's backlog completes a handshake that reaches web: connecting is the test.
  auto connects = [&](int from, const IpAddress& target, uint16_t port) {
    return while_loop_runs(*p.loop, [&] { return connect_tcp_from(from, target, port, 1000).valid(); });
  };
  CHECK(roundtrip(-1, lo, on_lo) == "GET /");
  // The neighbour reaches the port published on its side's host address: the route works.
  CHECK(roundtrip(nb.ns->fd(), nb.host_side, on_nb) == "GET /");
  // ...but not the loopback one, nor that port through another host address.
  CHECK_FALSE(connects(nb.ns->fd(), lo, on_lo));
  CHECK_FALSE(connects(nb.ns->fd(), net->gateway(), on_nb));
}

TEST_CASE("project: IPv4-only containers have no IPv6, and no link pier made accepts router advertisements",
          "[net][root][ipv6]") {
  PIER_NEEDS_ROOT();
  if (!have_ipv6()) {
    WARN("skipped: the kernel has no IPv6");
    return;
  }
  Project p("ra");
  auto* net = p.add("default", "10.199.72.0/24");
  auto web = p.start("web", {on("default", {"web"})});
  // Inside: IPv6 off everywhere (a container with NET_RAW cannot advertise a router
  // over it), and no interface would accept an advertisement either.
  for (const char* key : {"ipv6/conf/all/disable_ipv6", "ipv6/conf/default/disable_ipv6",
                          "ipv6/conf/eth0/disable_ipv6", "ipv6/conf/lo/disable_ipv6"})
    CHECK(sysctl_text(web.netns.fd(), key) == "1");
  CHECK(sysctl_text(web.netns.fd(), "ipv6/conf/eth0/accept_ra") == "0");
  // The host side: the bridge and the container's veth end.
  for (const auto& link : {net->bridge(), web.eps[0].host_veth})
    CHECK(sysctl_text(-1, fmt::format("ipv6/conf/{}/accept_ra", link)) == "0");
}

namespace {

struct NetfilterSockets {
  int open = 0;
  int inheritable = 0;
};

NetfilterSockets netfilter_sockets_of_this_process() {
  NetfilterSockets found;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    int fd = std::stoi(entry.path().filename().string());
    int domain = 0, protocol = 0;
    socklen_t len = sizeof domain;
    if (::getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) != 0 || domain != AF_NETLINK) continue;
    len = sizeof protocol;
    if (::getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &protocol, &len) != 0 || protocol != NETLINK_NETFILTER) continue;
    ++found.open;
    found.inheritable += !(::fcntl(fd, F_GETFD) & FD_CLOEXEC);
  }
  return found;
}

}  // namespace

// The nftables context stays open between commands (closing it right after a
// transaction waits out an RCU grace period), and libnftables opens its socket without
// close-on-exec: every program pier starts would inherit a netfilter socket.
TEST_CASE("firewall: the kept nftables socket is not inherited by programs pier starts", "[net][root]") {
  PIER_NEEDS_ROOT();
  REQUIRE(nat::list_pier_tables().ok());
  REQUIRE(nat::list_pier_tables().ok());
  auto sockets = netfilter_sockets_of_this_process();
  CHECK(sockets.open == 1);  // kept, one for this namespace however many commands ran
  CHECK(sockets.inheritable == 0);
}

// A supervisor frees the context once idle (supervisor/memory_release.h): its socket
// closes, and the next command opens a new one.
TEST_CASE("firewall: released contexts close their socket, and the next command makes a new one",
          "[net][root]") {
  PIER_NEEDS_ROOT();
  REQUIRE(nat::list_pier_tables().ok());
  REQUIRE(netfilter_sockets_of_this_process().open == 1);
  nat::release_contexts();
  CHECK(netfilter_sockets_of_this_process().open == 0);
  nat::release_contexts();  // nothing left to free
  auto tables = nat::list_pier_tables();
  REQUIRE(tables.ok());
  auto sockets = netfilter_sockets_of_this_process();
  CHECK(sockets.open == 1);
  CHECK(sockets.inheritable == 0);
}

TEST_CASE("project: a veth left to delete later is deleted by index, never a newer link of its name",
          "[net][root]") {
  PIER_NEEDS_ROOT();
  Project p("late");
  p.add("default", "10.199.13.0/24");
  auto first = p.start("web", {on("default", {"web"})});
  std::string veth = first.eps[0].host_veth;
  auto sock = netlink::Socket::open().value();

  auto links = p.net->detach_leaving_links("web");
  REQUIRE(links.size() == 1);
  int old_index = links[0];
  CHECK(netlink::find_link(sock, veth).value() == std::optional<int>(old_index));  // still there

  // The container starts again before the deletion ran: a new veth of the same name.
  auto again = p.start("web", {on("default", {"web"})});
  CHECK(again.eps[0].host_veth == veth);
  auto now = netlink::find_link(sock, veth).value();
  REQUIRE(now);
  CHECK(*now != old_index);

  REQUIRE(netlink::delete_links_by_index(sock, links).ok());  // gone already: no error
  CHECK(netlink::find_link(sock, veth).value() == now);       // the new one stays

  auto last = p.net->detach_leaving_links("web");
  REQUIRE(last == std::vector<int>{*now});
  REQUIRE(netlink::delete_links_by_index(sock, last).ok());
  CHECK_FALSE(netlink::find_link(sock, veth).value());
  CHECK(p.net->detach_leaving_links("web").empty());  // detached twice: nothing left
}
