// A supervisor killed with SIGKILL leaves its containers running with their veths
// and addresses; the next one adopts them. Here the "kill" is destroying the
// ProjectNetwork without teardown(), and bare network namespaces are the containers.
// Traffic stays on loopback and on the bridges these tests create.
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <thread>

#include "integration/net/helpers.h"
#include "net/nat/firewall.h"
#include "net/names.h"
#include "net/netlink/links.h"
#include "net/project_network.h"

using namespace pier;
using namespace pier::net;
using namespace pier::net::test;
using namespace std::chrono_literals;

namespace {

// A project's state directory; whatever a failed test leaves is torn down.
struct Crashable {
  explicit Crashable(const char* tag) {
    char tmpl[] = "/tmp/pier-net-it-XXXXXX";
    state_dir = mkdtemp(tmpl);
    project = unique_project(tag);
    host = netlink::Socket::open().value();
  }
  ~Crashable() {
    (void)teardown_project(host, state_dir, project);
    std::filesystem::remove_all(state_dir);
  }
  // A supervisor: a loop and the project's network, both dropped together (the
  // network first, as members go in reverse order: it holds watches on the loop).
  struct Supervisor {
    std::unique_ptr<event::Loop> loop;
    std::unique_ptr<ProjectNetwork> net;
  };
  Supervisor start() {
    Supervisor s;
    s.loop = std::move(event::make_uv_loop()).value();
    auto pn = ProjectNetwork::create(*s.loop, {project, state_dir, 53, {}});
    REQUIRE(pn.ok());
    s.net = std::move(pn).value();
    return s;
  }
  std::string state_dir, project;
  netlink::Socket host;
};

NetworkSpec network_spec(const char* name, const char* subnet = nullptr) {
  NetworkSpec spec;
  spec.name = name;
  if (subnet) spec.ipv4.subnet = Subnet::parse(subnet).value();
  return spec;
}

// What the supervisor persists per container and hands back on adoption.
std::vector<AdoptedEndpoint> record_of(const std::vector<Endpoint>& eps, const std::vector<std::string>& names) {
  std::vector<AdoptedEndpoint> out;
  for (const auto& ep : eps) out.push_back({ep, names});
  return out;
}

bool link_exists(const netlink::Socket& host, const std::string& name) {
  return netlink::find_link(host, name).value().has_value();
}

// A destroyed namespace takes its veth pairs with it, but the kernel cleans up
// namespaces on a work queue: wait (bounded) until the host end is gone.
bool wait_link_gone(const netlink::Socket& host, const std::string& name) {
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (link_exists(host, name)) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

// A container that outlives the supervisor which attached it.
struct Survivor {
  std::string name;
  std::vector<std::string> names;
  UniqueFd netns;
  std::vector<Endpoint> eps;
  IpAddress ip() const { return eps.at(0).ipv4; }
};

Survivor attach(ProjectNetwork& pn, std::string name, std::vector<std::string> names,
                const char* network = "default") {
  Survivor s{std::move(name), std::move(names), new_netns(), {}};
  REQUIRE(s.netns.valid());
  auto ns = ContainerNetns::from_fd(UniqueFd(dup(s.netns.get())));
  REQUIRE(ns.ok());
  auto eps = pn.attach(s.name, *ns, {{network, {}, s.names}});
  if (!eps.ok()) FAIL(eps.error().to_string());
  s.eps = std::move(eps).value();
  return s;
}

}  // namespace

TEST_CASE("adopt: a new supervisor takes over the network of a killed one", "[net][root][adopt]") {
  PIER_NEEDS_ROOT();
  Crashable c("adopt");
  Survivor a, b, gone;
  std::string bridge;
  int bridge_index = 0;
  Subnet subnet;
  IpAddress gateway;
  uint16_t echo_port = 0, host_port = 0;
  UniqueFd listener;  // the echo server in a's namespace keeps running across the crash
  {
    auto s1 = c.start();
    auto n = s1.net->add_network(network_spec("default"), false);  // subnet from the default pools
    if (!n.ok()) FAIL(n.error().to_string());
    bridge = (*n)->bridge();
    subnet = (*n)->subnet();
    gateway = (*n)->gateway();
    a = attach(*s1.net, c.project + "-a-1", {"a", c.project + "-a-1"});
    b = attach(*s1.net, c.project + "-b-1", {"b", c.project + "-b-1"});
    gone = attach(*s1.net, c.project + "-gone-1", {"gone"});
    listener = listen_tcp_in(a.netns.get(), a.ip(), echo_port);
    REQUIRE(listener.valid());
    set_timeouts(listener.get(), 5000);  // accept gives up: a lost connection fails the test, not hangs it
    auto pub = s1.net->publish(a.name, {{"a", IPPROTO_TCP, {}, 0, a.ip(), echo_port}});
    if (!pub.ok()) FAIL(pub.error().to_string());
    host_port = (*pub)[0].host_port;
    bridge_index = *netlink::find_link(c.host, bridge).value();
    // SIGKILL: the supervisor's objects go without teardown().
  }

  // Dropping the object tore nothing down; only the port proxy died with it.
  CHECK(link_exists(c.host, bridge));
  for (const auto* s : {&a, &b, &gone}) CHECK(link_exists(c.host, s->eps[0].host_veth));
  CHECK(nat::ruleset_exists(c.project).value());
  CHECK_FALSE(connect_tcp_from(-1, ip_of("127.0.0.1"), host_port, 500).valid());
  // `gone` exits while no supervisor runs.
  gone.netns.reset();
  REQUIRE(wait_link_gone(c.host, gone.eps[0].host_veth));

  auto s2 = c.start();
  auto n = s2.net->add_network(network_spec("default"), false);
  if (!n.ok()) FAIL(n.error().to_string());
  Network* net = *n;
  CHECK(net->bridge() == bridge);
  CHECK(*netlink::find_link(c.host, bridge).value() == bridge_index);  // the same bridge, not a new one
  CHECK(net->subnet() == subnet);
  CHECK(net->gateway() == gateway);

  for (auto* s : {&a, &b}) {
    auto adopted = s2.net->adopt(s->name, record_of(s->eps, s->names));
    if (!adopted.ok()) FAIL(adopted.error().to_string());
    REQUIRE(adopted->endpoints.size() == 1);
    CHECK(adopted->endpoints[0].ipv4 == s->ip());
    CHECK(adopted->notes.empty());
  }
  auto skipped = s2.net->adopt(gone.name, record_of(gone.eps, gone.names));
  REQUIRE(skipped.ok());
  CHECK(skipped->endpoints.empty());
  REQUIRE(skipped->notes.size() == 1);
  CHECK_THAT(skipped->notes[0], Catch::Contains(gone.eps[0].host_veth + " on network `default` is gone"));

  SECTION("names resolve again, from and to adopted containers") {
    auto ans = while_loop_runs(*s2.loop, [&] { return dns_query(b.netns.get(), gateway, "a"); });
    CHECK(ans.rcode == 0);
    REQUIRE(ans.addresses.size() == 1);
    CHECK(ans.addresses[0] == a.ip());
    auto full = while_loop_runs(*s2.loop, [&] { return dns_query(a.netns.get(), gateway, b.name, true); });
    REQUIRE(full.addresses.size() == 1);
    CHECK(full.addresses[0] == b.ip());
    // The container that died in between has no name any more.
    auto none = while_loop_runs(*s2.loop, [&] { return dns_query(a.netns.get(), gateway, "gone"); });
    CHECK(none.addresses.empty());
  }

  SECTION("new containers get fresh addresses; adopted ones are taken") {
    auto d = attach(*s2.net, "d", {"d"});
    CHECK(d.ip() != a.ip());
    CHECK(d.ip() != b.ip());
    CHECK(d.ip() != gateway);
    CHECK(subnet.contains(d.ip()));
    AttachSpec fixed;
    fixed.ipv4 = a.ip();
    auto ns = ContainerNetns::from_fd(new_netns());
    auto clash = s2.net->attach("e", *ns, {{"default", fixed, {"e"}}});
    REQUIRE_FALSE(clash.ok());
    CHECK_THAT(clash.error().to_string(), Catch::Contains("already in use by " + a.name));
  }

  SECTION("adoption is refused for a known container, a taken address or an unknown network, leaving no trace") {
    auto twice = s2.net->adopt(a.name, record_of(a.eps, a.names));
    REQUIRE_FALSE(twice.ok());
    CHECK_THAT(twice.error().to_string(), Catch::Contains("attached already"));
    auto impostor = s2.net->adopt("impostor", record_of(b.eps, {"impostor"}));
    REQUIRE_FALSE(impostor.ok());
    CHECK_THAT(impostor.error().to_string(), Catch::Contains("already in use by " + b.name));
    auto elsewhere = record_of(a.eps, {"x"});
    elsewhere[0].endpoint.network = "nope";
    auto unknown = s2.net->adopt("x", elsewhere);
    REQUIRE_FALSE(unknown.ok());
    CHECK_THAT(unknown.error().to_string(), Catch::Contains("no network `nope`"));
    auto ans = while_loop_runs(*s2.loop, [&] { return dns_query(a.netns.get(), gateway, "impostor"); });
    CHECK(ans.addresses.empty());
    CHECK(s2.net->registry().container_of(b.ip()) == b.name);
  }

  SECTION("publishing again binds the same host port; it reaches the echo server from the host and a container") {
    auto pub = s2.net->publish(a.name, {{"a", IPPROTO_TCP, {}, host_port, a.ip(), echo_port}});
    if (!pub.ok()) FAIL(pub.error().to_string());
    CHECK((*pub)[0].host_port == host_port);
    auto d = attach(*s2.net, "d", {"d"});
    // From host loopback through the new proxy, then from d through the nft DNAT.
    for (auto [from, target] : {std::pair{-1, ip_of("127.0.0.1")}, std::pair{d.netns.get(), gateway}}) {
      auto echo = echo_once(listener.get());
      auto reply = while_loop_runs(*s2.loop, [&, from = from, target = target] {
        auto conn = connect_tcp_from(from, target, host_port);
        return conn.valid() ? tcp_roundtrip(conn.get(), "after the crash") : std::string("connect failed");
      });
      CHECK(reply == "after the crash");
      echo.join();
    }
  }

  SECTION("detach succeeds when the container's namespace is gone, and frees its address and names") {
    std::string veth = b.eps[0].host_veth;
    b.netns.reset();  // b exits: the kernel destroys its namespace and veth pair
    REQUIRE(s2.net->detach(b.name).ok());
    CHECK(wait_link_gone(c.host, veth));
    auto ans = while_loop_runs(*s2.loop, [&] { return dns_query(a.netns.get(), gateway, "b"); });
    CHECK(ans.addresses.empty());
    AttachSpec fixed;
    fixed.ipv4 = b.ip();
    auto ns = ContainerNetns::from_fd(new_netns());
    auto reuse = s2.net->attach("f", *ns, {{"default", fixed, {"f"}}});
    if (!reuse.ok()) FAIL(reuse.error().to_string());
    // A container that shares another's namespace (network_mode service:/container:)
    // is never attached; detaching it is a no-op.
    CHECK(s2.net->detach("sidecar").ok());
    // A live adopted container's veth is deleted by detach.
    REQUIRE(s2.net->detach(a.name).ok());
    CHECK_FALSE(link_exists(c.host, a.eps[0].host_veth));
  }

  auto down = s2.net->teardown();
  if (!down.ok()) FAIL(down.error().to_string());
  CHECK_FALSE(link_exists(c.host, bridge));
  for (const auto* s : {&a, &b, &gone}) CHECK_FALSE(link_exists(c.host, s->eps[0].host_veth));
  CHECK_FALSE(nat::ruleset_exists(c.project).value());
}

TEST_CASE("adopt: a bridge re-created under running containers gets their veths back", "[net][root][adopt]") {
  PIER_NEEDS_ROOT();
  Crashable c("rebr");
  Survivor a;
  std::string bridge;
  {
    auto s1 = c.start();
    auto n = s1.net->add_network(network_spec("default", "10.199.51.0/24"), true);
    if (!n.ok()) FAIL(n.error().to_string());
    bridge = (*n)->bridge();
    a = attach(*s1.net, "a", {"a"});
  }
  // Someone deletes the bridge while no supervisor runs: its ports stay, on no bridge.
  REQUIRE(netlink::delete_link(c.host, bridge).ok());
  REQUIRE(netlink::get_link(c.host, a.eps[0].host_veth).value()->master == 0);

  auto s2 = c.start();
  auto n = s2.net->add_network(network_spec("default", "10.199.51.0/24"), true);
  if (!n.ok()) FAIL(n.error().to_string());
  auto adopted = s2.net->adopt("a", record_of(a.eps, a.names));
  if (!adopted.ok()) FAIL(adopted.error().to_string());
  CHECK(adopted->endpoints.size() == 1);
  int index = *netlink::find_link(c.host, bridge).value();
  CHECK(netlink::get_link(c.host, a.eps[0].host_veth).value()->master == index);
  // The host reaches a's address through the new bridge.
  uint16_t port = 0;
  auto listener = listen_tcp_in(a.netns.get(), a.ip(), port);
  set_timeouts(listener.get(), 5000);
  auto echo = echo_once(listener.get());
  auto conn = connect_tcp_from(-1, a.ip(), port);
  REQUIRE(conn.valid());
  CHECK(tcp_roundtrip(conn.get(), "back on the bridge") == "back on the bridge");
  conn.reset();
  echo.join();
  REQUIRE(s2.net->teardown().ok());
}

TEST_CASE("adopt: a recorded bridge left without its gateway address gets it", "[net][root][adopt]") {
  PIER_NEEDS_ROOT();
  Crashable c("noaddr");
  // The previous supervisor died between recording the bridge, creating it and
  // giving it its address.
  std::string bridge = bridge_name(c.project, "default");
  REQUIRE(ProjectRecord(c.state_dir, c.project).add_bridge(bridge).ok());
  REQUIRE(netlink::create_bridge(c.host, bridge, 0).ok());
  auto s = c.start();
  auto n = s.net->add_network(network_spec("default", "10.199.52.0/24"), true);
  if (!n.ok()) FAIL(n.error().to_string());
  int index = *netlink::find_link(c.host, bridge).value();
  auto addrs = netlink::list_addresses(c.host, index, AF_INET).value();
  REQUIRE(addrs.size() == 1);
  CHECK(addrs[0].ip.to_string() == "10.199.52.1");
  CHECK(addrs[0].prefix == 24);
  // The DNS listener is on that address.
  auto x = attach(*s.net, "x", {"x"});
  auto ans = while_loop_runs(*s.loop, [&] { return dns_query(x.netns.get(), (*n)->gateway(), "x"); });
  REQUIRE(ans.addresses.size() == 1);
  CHECK(ans.addresses[0] == x.ip());
  REQUIRE(s.net->teardown().ok());
  CHECK_FALSE(link_exists(c.host, bridge));
}

TEST_CASE("adopt: an unrecorded bridge, a changed subnet and a second add_network are errors", "[net][root][adopt]") {
  PIER_NEEDS_ROOT();
  Crashable c("refuse");
  std::string bridge = bridge_name(c.project, "default");
  {
    // A bridge of the project's name that its record does not list is not adopted.
    REQUIRE(netlink::create_bridge(c.host, bridge, 0).ok());
    auto s = c.start();
    auto n = s.net->add_network(network_spec("default", "10.199.53.0/24"), true);
    (void)netlink::delete_link(c.host, bridge);
    REQUIRE_FALSE(n.ok());
    CHECK_THAT(n.error().to_string(), Catch::Contains("bridge " + bridge + " exists, but project " + c.project +
                                                      " has no record of creating it"));
    CHECK(ProjectRecord(c.state_dir, c.project).bridges().value().empty());
  }
  {
    auto s1 = c.start();
    REQUIRE(s1.net->add_network(network_spec("default", "10.199.53.0/24"), true).ok());
    auto again = s1.net->add_network(network_spec("default", "10.199.53.0/24"), true);
    REQUIRE_FALSE(again.ok());
    CHECK_THAT(again.error().to_string(), Catch::Contains("add network `default` to project " + c.project +
                                                          ": it is added already"));
  }
  // The subnet changed in the compose file while the bridge stayed up.
  auto s2 = c.start();
  auto changed = s2.net->add_network(network_spec("default", "10.199.54.0/24"), true);
  REQUIRE_FALSE(changed.ok());
  CHECK_THAT(changed.error().to_string(),
             Catch::Contains("the bridge carries 10.199.53.1/24, not the gateway 10.199.54.1/24"));
  CHECK_THAT(changed.error().to_string(), Catch::Contains("pier down"));
  CHECK(link_exists(c.host, bridge));  // left for `down`
  REQUIRE(s2.net->teardown().ok());
  CHECK_FALSE(link_exists(c.host, bridge));
}

TEST_CASE("recreate: a network held or left with another config hash is found changed and made anew",
          "[net][root][recreate]") {
  PIER_NEEDS_ROOT();
  Crashable c("recreate");
  std::string bridge = bridge_name(c.project, "default");
  auto spec = [](const char* subnet, const char* hash) {
    NetworkSpec s = network_spec("default", subnet);
    s.config_hash = hash;
    return s;
  };
  {
    auto s1 = c.start();
    REQUIRE(s1.net->add_network(spec("10.199.55.0/24", "one"), true).ok());
    CHECK_FALSE(s1.net->config_changed(spec("10.199.55.0/24", "one")).value());
    CHECK_FALSE(s1.net->config_changed(spec("10.199.55.0/24", "")).value());  // no hash: no change
    CHECK(s1.net->config_changed(spec("10.199.56.0/24", "two")).value());
    // Refused while a container is attached to it.
    auto web = attach(*s1.net, "web", {"web"});
    auto busy = s1.net->remove_network(spec("10.199.56.0/24", "two"));
    REQUIRE_FALSE(busy.ok());
    CHECK_THAT(busy.error().to_string(), Catch::Contains("container web is still attached to it"));
    REQUIRE(s1.net->detach("web").ok());
    REQUIRE(s1.net->remove_network(spec("10.199.56.0/24", "two")).ok());
    CHECK_FALSE(link_exists(c.host, bridge));
    CHECK(s1.net->network("default") == nullptr);
    auto made = s1.net->add_network(spec("10.199.56.0/24", "two"), true);
    REQUIRE(made.ok());
    CHECK((*made)->gateway().to_string() == "10.199.56.1");
  }
  // The supervisor is gone; its bridge stays, recorded with hash "two".
  auto s2 = c.start();
  CHECK_FALSE(s2.net->config_changed(spec("10.199.56.0/24", "two")).value());
  CHECK(s2.net->config_changed(spec("10.199.57.0/24", "three")).value());
  REQUIRE(s2.net->remove_network(spec("10.199.57.0/24", "three")).ok());
  CHECK_FALSE(link_exists(c.host, bridge));
  REQUIRE(s2.net->add_network(spec("10.199.57.0/24", "three"), true).ok());
  CHECK(ProjectRecord(c.state_dir, c.project).config_hash(bridge).value() == "three");
  REQUIRE(s2.net->teardown().ok());
  CHECK_FALSE(link_exists(c.host, bridge));
}

TEST_CASE("adopt: a container's own dns servers serve it again, and go when it goes", "[net][root][adopt][dns]") {
  PIER_NEEDS_ROOT();
  Crashable c("adns");
  // Its `dns:` server, a fake on loopback. The project has no other upstream, so a
  // name the project does not know gets SERVFAIL unless that server is asked.
  LoopbackResolver own("own.test", "192.0.2.53");
  Survivor a;
  IpAddress gateway;
  {
    auto s1 = c.start();
    auto n = s1.net->add_network(network_spec("default"), false);
    if (!n.ok()) FAIL(n.error().to_string());
    gateway = (*n)->gateway();
    a = attach(*s1.net, c.project + "-a-1", {"a"});
  }

  auto s2 = c.start();
  auto n = s2.net->add_network(network_spec("default"), false);
  if (!n.ok()) FAIL(n.error().to_string());
  auto watch = own.serve(*s2.loop);
  auto adopted = s2.net->adopt(a.name, record_of(a.eps, a.names), {own.endpoint()});
  if (!adopted.ok()) FAIL(adopted.error().to_string());
  auto ans = while_loop_runs(*s2.loop, [&] { return dns_query(a.netns.get(), gateway, "own.test"); });
  CHECK(ans.rcode == 0);
  REQUIRE(ans.addresses.size() == 1);
  CHECK(ans.addresses[0].to_string() == "192.0.2.53");
  CHECK(own.queries == 1);

  // Gone, then a container of the same name without `dns:`: the old servers are not
  // its servers.
  REQUIRE(s2.net->detach(a.name).ok());
  a.netns.reset();
  auto again = attach(*s2.net, c.project + "-a-1", {"a"});
  auto other = while_loop_runs(*s2.loop, [&] { return dns_query(again.netns.get(), gateway, "own.test"); });
  CHECK(other.rcode == dns::kServFail);
  CHECK(own.queries == 1);
}
