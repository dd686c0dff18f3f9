// An attach in three steps (ProjectNetwork::reserve, apply, commit or abandon), as the
// supervisor runs it: the addresses reserved on the loop thread, the links made on the
// worker that starts the container with a netlink socket of its own.
#include <catch2/catch.hpp>

#include <thread>

#include "integration/net/helpers.h"
#include "net/netlink/links.h"
#include "net/project_network.h"

using namespace pier;
using namespace pier::net;
using namespace pier::net::test;

namespace {

NetworkSpec spec_of(const char* subnet) {
  NetworkSpec spec;
  spec.name = "default";
  spec.ipv4.subnet = Subnet::parse(subnet).value();
  return spec;
}

bool link_exists(const std::string& name) {
  auto host = netlink::Socket::open().value();
  auto index = netlink::find_link(host, name);
  return index.ok() && index->has_value();
}

}  // namespace

TEST_CASE("an attach reserved on one thread is made on another with its own socket", "[net][root]") {
  PIER_NEEDS_ROOT();
  ScratchProject p("prep");
  REQUIRE(p.net->add_network(spec_of("10.199.41.0/24"), true).ok());
  auto ns = ContainerNetns::from_fd(new_netns()).value();
  auto prepared = p.net->reserve("c", {{"default", {}, {"c", "web"}}});
  REQUIRE(prepared.ok());
  REQUIRE(prepared->endpoints.size() == 1);
  const Endpoint ep = prepared->endpoints[0].endpoint;
  // Reserved, not made: no veth yet, but the names answer already, so that the
  // container's first query after its exec is not refused as a stranger's.
  CHECK_FALSE(link_exists(ep.host_veth));
  CHECK(p.net->registry().container_of(ep.ipv4) == "c");

  Status applied;
  std::thread worker([&] {
    auto host = netlink::Socket::open();
    applied = host.ok() ? ProjectNetwork::apply(*host, ns, *prepared) : Status(host.error());
  });
  worker.join();
  if (!applied.ok()) FAIL(applied.error().to_string());
  CHECK(link_exists(ep.host_veth));
  CHECK(sysctl_text(ns.fd(), "ipv6/conf/all/disable_ipv6") == "1");

  auto eps = p.net->commit(*prepared);
  REQUIRE(eps.size() == 1);
  CHECK(p.net->registry().container_of(ep.ipv4) == "c");
  REQUIRE(p.net->detach("c").ok());
  CHECK_FALSE(link_exists(ep.host_veth));
  CHECK(p.net->registry().container_of(ep.ipv4).empty());
}

TEST_CASE("an attach that fails half-way leaves no veth, and abandoning it frees its addresses", "[net][root]") {
  PIER_NEEDS_ROOT();
  ScratchProject p("prep");
  REQUIRE(p.net->add_network(spec_of("10.199.42.0/24"), true).ok());
  NetworkSpec other = spec_of("10.199.43.0/24");
  other.name = "other";
  REQUIRE(p.net->add_network(other, true).ok());
  auto ns = ContainerNetns::from_fd(new_netns()).value();
  // Both ends named eth0 in the container: the second veth cannot be made.
  AttachSpec same;
  same.ifname = "eth0";
  AttachSpec first;
  first.ipv4 = ip_of("10.199.42.7");
  auto prepared = p.net->reserve("c", {{"default", first, {"c"}}, {"other", same, {"c"}}});
  REQUIRE(prepared.ok());
  auto host = netlink::Socket::open().value();
  CHECK_FALSE(ProjectNetwork::apply(host, ns, *prepared).ok());
  CHECK_FALSE(link_exists(prepared->endpoints[0].endpoint.host_veth));
  CHECK_FALSE(link_exists(prepared->endpoints[1].endpoint.host_veth));

  // Still held until abandoned; free after, its names with it.
  AttachSpec again;
  again.ipv4 = ip_of("10.199.42.7");
  CHECK_FALSE(p.net->reserve("d", {{"default", again, {"d"}}}).ok());
  p.net->abandon(*prepared);
  CHECK(p.net->registry().container_of(ip_of("10.199.42.7")).empty());
  auto retry = p.net->reserve("d", {{"default", again, {"d"}}});
  CHECK(retry.ok());
  if (retry.ok()) p.net->abandon(*retry);
}

TEST_CASE("an attach abandoned after its network was made anew frees no other container's address",
          "[net][root]") {
  PIER_NEEDS_ROOT();
  ScratchProject p("prep");
  NetworkSpec spec = spec_of("10.199.44.0/24");
  REQUIRE(p.net->add_network(spec, true).ok());
  AttachSpec pinned;
  pinned.ipv4 = ip_of("10.199.44.9");
  auto stale = p.net->reserve("a", {{"default", pinned, {"a"}}});
  REQUIRE(stale.ok());
  // The network made anew while a's start was under way: b now holds the same address.
  REQUIRE(p.net->remove_network(spec).ok());
  REQUIRE(p.net->add_network(spec, true).ok());
  auto b = p.net->reserve("b", {{"default", pinned, {"b"}}});
  REQUIRE(b.ok());
  p.net->abandon(*stale);
  CHECK_FALSE(p.net->reserve("c", {{"default", pinned, {"c"}}}).ok());
  p.net->abandon(*b);
}
