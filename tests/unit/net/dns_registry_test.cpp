#include <catch2/catch.hpp>

#include <sys/socket.h>

#include <algorithm>
#include <set>

#include "net/dns/files.h"
#include "net/dns/registry.h"

using namespace pier::net;
using namespace pier::net::dns;

namespace {
IpAddress ip(const char* t) { return IpAddress::parse(t).value(); }
}  // namespace

TEST_CASE("registry answers only names on the asker's networks", "[net][dns]") {
  Registry reg;
  reg.add({"p-web-1", "front", {ip("10.1.0.2")}, {"web", "p-web-1", "www"}});
  reg.add({"p-db-1", "back", {ip("10.2.0.2")}, {"db", "p-db-1"}});
  reg.add({"p-api-1", "front", {ip("10.1.0.3")}, {"api"}});
  reg.add({"p-api-1", "back", {ip("10.2.0.3")}, {"api"}});

  auto web = reg.resolve(ip("10.1.0.3"), "WWW.", AF_INET);
  CHECK(web.outcome == Registry::Outcome::kAnswer);
  CHECK(web.addresses == std::vector<IpAddress>{ip("10.1.0.2")});
  // web is on front only: db (on back) is invisible to it.
  CHECK(reg.resolve(ip("10.1.0.2"), "db", AF_INET).outcome == Registry::Outcome::kUnknown);
  // api is on both, and sees db.
  CHECK(reg.resolve(ip("10.1.0.3"), "db", AF_INET).outcome == Registry::Outcome::kAnswer);
  CHECK(reg.resolve(ip("10.1.0.2"), "web", AF_INET6).outcome == Registry::Outcome::kNoData);
  CHECK(reg.resolve(ip("192.0.2.9"), "web", AF_INET).outcome == Registry::Outcome::kNotAContainer);
}

TEST_CASE("registry rotates replicas round robin and updates live", "[net][dns]") {
  Registry reg;
  for (int i = 1; i <= 3; ++i)
    reg.add({"p-web-" + std::to_string(i), "default", {IpAddress::v4(0x0a000000 + i)}, {"web"}});
  reg.add({"p-cli-1", "default", {ip("10.0.0.9")}, {"cli"}});
  std::set<std::string> firsts;
  for (int i = 0; i < 3; ++i) {
    auto r = reg.resolve(ip("10.0.0.9"), "web", AF_INET);
    REQUIRE(r.addresses.size() == 3);
    firsts.insert(r.addresses[0].to_string());
  }
  CHECK(firsts.size() == 3);
  reg.remove("p-web-2");
  CHECK(reg.resolve(ip("10.0.0.9"), "web", AF_INET).addresses.size() == 2);
  // Restart with a new address: the old one is gone.
  reg.add({"p-web-1", "default", {ip("10.0.0.77")}, {"web"}});
  auto r = reg.resolve(ip("10.0.0.9"), "web", AF_INET);
  CHECK(std::count(r.addresses.begin(), r.addresses.end(), ip("10.0.0.1")) == 0);
  CHECK(std::count(r.addresses.begin(), r.addresses.end(), ip("10.0.0.77")) == 1);
}

TEST_CASE("host resolv.conf parsing and container resolv.conf", "[net][dns]") {
  auto host = parse_resolv_conf("# comment\nnameserver 127.0.0.53\nnameserver bogus\nsearch a.example b.example\noptions edns0 trust-ad\n");
  REQUIRE(host.nameservers.size() == 1);
  CHECK(host.nameservers[0].to_string() == "127.0.0.53");
  CHECK(host.search == std::vector<std::string>{"a.example", "b.example"});
  auto text = container_resolv_conf(ip("172.18.0.1"), host, {});
  CHECK_THAT(text, Catch::Contains("nameserver 172.18.0.1\n"));
  CHECK_THAT(text, Catch::Contains("search a.example b.example\n"));
  CHECK_THAT(text, Catch::Contains("options edns0 trust-ad\n"));
  auto custom = container_resolv_conf(ip("172.18.0.1"), host, {{"corp.example"}, {"ndots:2"}});
  CHECK_THAT(custom, Catch::Contains("search corp.example\n"));
  CHECK_THAT(custom, Catch::Contains("options ndots:2\n"));
  CHECK_THAT(custom, !Catch::Contains("127.0.0.53"));
}

TEST_CASE("container hosts file with own names and extra_hosts", "[net][dns]") {
  auto gw = parse_extra_host("host.docker.internal:host-gateway");
  REQUIRE(gw.ok());
  auto v6 = parse_extra_host("six=[fd00::5]");
  REQUIRE(v6.ok());
  CHECK(v6->address == "fd00::5");
  CHECK_FALSE(parse_extra_host("nonsense").ok());
  CHECK_FALSE(parse_extra_host("x:not-an-ip").ok());
  HostsInput in{{ip("172.18.0.5")}, {"web", "proj-web-1"}, {*gw, *v6}, ip("172.18.0.1")};
  auto hosts = container_hosts(in);
  REQUIRE(hosts.ok());
  CHECK_THAT(*hosts, Catch::Contains("127.0.0.1\tlocalhost\n"));
  CHECK_THAT(*hosts, Catch::Contains("172.18.0.1\thost.docker.internal\n"));
  CHECK_THAT(*hosts, Catch::Contains("fd00::5\tsix\n"));
  CHECK_THAT(*hosts, Catch::Contains("172.18.0.5\tweb proj-web-1\n"));
  CHECK_THAT(*hosts, Catch::Contains("::1\tlocalhost ip6-localhost ip6-loopback\n"));
  // A container without IPv6: no IPv6 lines at all.
  in.ipv6 = false;
  CHECK_THAT(*container_hosts(in), !Catch::Contains("::1\t") && !Catch::Contains("ip6-allnodes") &&
                                       Catch::Contains("127.0.0.1\tlocalhost\n"));
  in.ipv6 = true;
  in.host_gateway = {};
  CHECK_FALSE(container_hosts(in).ok());
}
