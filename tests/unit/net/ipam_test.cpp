#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>

#include "net/ipam.h"

using namespace pier::net;

namespace {
Subnet sn(const char* text) { return Subnet::parse(text).value(); }
IpAddress ip(const char* text) { return IpAddress::parse(text).value(); }

struct TempDir {
  TempDir() {
    char tmpl[] = "/tmp/pier-ipam-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string path;
};
}  // namespace

TEST_CASE("subnet parsing normalises host bits and rejects bad prefixes", "[net][ipam]") {
  CHECK(sn("10.1.2.3/24").to_string() == "10.1.2.0/24");
  CHECK(sn("fd00::1/64").to_string() == "fd00::/64");
  CHECK_FALSE(Subnet::parse("10.0.0.0/33").ok());
  CHECK_FALSE(Subnet::parse("10.0.0.0").ok());
  CHECK_FALSE(Subnet::parse("nonsense/8").ok());
}

TEST_CASE("subnet overlap and host indexing", "[net][ipam]") {
  CHECK(sn("172.17.0.0/16").overlaps(sn("172.17.5.0/24")));
  CHECK(sn("172.17.5.0/24").overlaps(sn("172.17.0.0/16")));
  CHECK_FALSE(sn("172.17.0.0/16").overlaps(sn("172.18.0.0/16")));
  CHECK_FALSE(sn("172.17.0.0/16").overlaps(sn("fd00::/64")));
  CHECK(sn("10.0.0.0/24").host(258) == std::nullopt);
  CHECK(sn("10.0.0.0/16").host(258)->to_string() == "10.0.1.2");
  CHECK(sn("fd00::/64").host(0x10001)->to_string() == "fd00::1:1");
  CHECK(sn("10.0.0.0/16").index_of(ip("10.0.1.2")) == 258);
}

TEST_CASE("choose_subnet skips host routes and taken subnets, ignores the default route", "[net][ipam]") {
  auto pools = default_pools();
  auto chosen = choose_subnet(pools, {sn("0.0.0.0/0"), sn("172.17.0.0/16"), sn("172.18.3.0/24")});
  REQUIRE(chosen.ok());
  CHECK(chosen->to_string() == "172.19.0.0/16");
  std::vector<Subnet> all(pools.begin(), pools.end());
  auto none = choose_subnet(pools, all);
  REQUIRE_FALSE(none.ok());
  CHECK_THAT(none.error().to_string(), Catch::Contains("every default address pool"));
}

TEST_CASE("subnet store persists per project and avoids other projects", "[net][ipam]") {
  TempDir dir;
  SubnetStore store(dir.path);
  auto a = store.allocate("alpha", "default", {sn("172.17.0.0/16")});
  REQUIRE(a.ok());
  CHECK(a->to_string() == "172.18.0.0/16");
  // Same project and network: the recorded subnet again.
  CHECK(store.allocate("alpha", "default", {})->to_string() == "172.18.0.0/16");
  auto b = store.allocate("beta", "default", {sn("172.17.0.0/16")});
  CHECK(b->to_string() == "172.19.0.0/16");
  auto a2 = store.allocate("alpha", "backend", {sn("172.17.0.0/16")});
  CHECK(a2->to_string() == "172.20.0.0/16");
  SubnetStore reopened(dir.path);
  auto loaded = reopened.load("alpha");
  REQUIRE(loaded.ok());
  CHECK(loaded->size() == 2);
  REQUIRE(reopened.forget("alpha").ok());
  CHECK(reopened.load("alpha")->empty());
  // alpha's subnets are free again for gamma.
  CHECK(reopened.allocate("gamma", "default", {sn("172.17.0.0/16")})->to_string() == "172.18.0.0/16");
}

TEST_CASE("address pool hands out addresses after the gateway, honours statics", "[net][ipam]") {
  auto pool = AddressPool::create({sn("10.5.0.0/29"), std::nullopt, std::nullopt, {}});
  REQUIRE(pool.ok());
  CHECK(pool->gateway().to_string() == "10.5.0.1");
  REQUIRE(pool->reserve(ip("10.5.0.3"), "static").ok());
  CHECK(pool->allocate("a")->to_string() == "10.5.0.2");
  CHECK(pool->allocate("b")->to_string() == "10.5.0.4");
  CHECK(pool->allocate("c")->to_string() == "10.5.0.5");
  CHECK(pool->allocate("d")->to_string() == "10.5.0.6");
  auto full = pool->allocate("e");
  REQUIRE_FALSE(full.ok());
  CHECK_THAT(full.error().to_string(), Catch::Contains("no free address"));
  auto busy = pool->reserve(ip("10.5.0.3"), "other");
  REQUIRE_FALSE(busy.ok());
  CHECK_THAT(busy.error().to_string(), Catch::Contains("already in use by static"));
  CHECK_FALSE(pool->reserve(ip("10.6.0.3"), "x").ok());
  CHECK_FALSE(pool->reserve(ip("10.5.0.7"), "x").ok());  // broadcast
  pool->release(ip("10.5.0.4"));
  CHECK(pool->allocate("f")->to_string() == "10.5.0.4");
}

TEST_CASE("address pool with ip_range, gateway and aux addresses", "[net][ipam]") {
  IpamConfig config{sn("10.9.0.0/24"), ip("10.9.0.254"), sn("10.9.0.16/30"), {{"router", ip("10.9.0.17")}}};
  auto pool = AddressPool::create(config);
  REQUIRE(pool.ok());
  CHECK(pool->gateway().to_string() == "10.9.0.254");
  CHECK(pool->allocate("a")->to_string() == "10.9.0.16");
  CHECK(pool->allocate("b")->to_string() == "10.9.0.18");
  CHECK(pool->allocate("c")->to_string() == "10.9.0.19");
  CHECK_FALSE(pool->allocate("d").ok());
  CHECK_FALSE(AddressPool::create({sn("10.9.0.0/24"), ip("10.8.0.1"), std::nullopt, {}}).ok());
  CHECK_FALSE(AddressPool::create({sn("10.9.0.0/24"), std::nullopt, sn("10.8.0.0/28"), {}}).ok());
}

TEST_CASE("adopted addresses are never handed out again; allocation continues after them", "[net][ipam]") {
  auto pool = AddressPool::create({sn("10.5.0.0/24"), std::nullopt, std::nullopt, {}}).value();
  // A previous supervisor handed out .2 to .9; .2 and .9 survive its crash.
  REQUIRE(pool.adopt(ip("10.5.0.2"), "a").ok());
  REQUIRE(pool.adopt(ip("10.5.0.9"), "b").ok());
  CHECK(pool.in_use() == 2);
  CHECK(pool.owner_of(ip("10.5.0.9")) == "b");
  CHECK(pool.owner_of(ip("10.5.0.3")).empty());
  // Adopting again for the same owner is fine; another owner is refused by name.
  CHECK(pool.adopt(ip("10.5.0.9"), "b").ok());
  auto clash = pool.adopt(ip("10.5.0.9"), "c");
  REQUIRE_FALSE(clash.ok());
  CHECK_THAT(clash.error().to_string(), Catch::Contains("10.5.0.9 for c is already in use by b"));
  // The next container gets an address the old run never gave out, not .3 to .8,
  // which died containers may still be cached under by peers.
  CHECK(pool.allocate("d")->to_string() == "10.5.0.10");
  // Adopting a lower address later does not move allocation backwards.
  REQUIRE(pool.adopt(ip("10.5.0.5"), "e").ok());
  CHECK(pool.allocate("f")->to_string() == "10.5.0.11");
  CHECK(pool.in_use() == 5);
  // What an address can never be, it cannot be adopted as either.
  CHECK_THAT(pool.adopt(ip("10.5.0.1"), "g").error().to_string(), Catch::Contains("reserved"));
  CHECK_THAT(pool.adopt(ip("10.5.0.255"), "g").error().to_string(), Catch::Contains("reserved"));
  CHECK_THAT(pool.adopt(ip("10.6.0.2"), "g").error().to_string(), Catch::Contains("outside subnet 10.5.0.0/24"));
  CHECK(pool.in_use() == 5);
}

TEST_CASE("an adopted address wraps allocation at the end of the range and skips the taken ones", "[net][ipam]") {
  IpamConfig config{sn("10.9.0.0/24"), std::nullopt, sn("10.9.0.16/29"), {}};
  auto pool = AddressPool::create(config).value();
  REQUIRE(pool.adopt(ip("10.9.0.23"), "last").ok());   // the range's last address
  REQUIRE(pool.adopt(ip("10.9.0.100"), "static").ok());  // ipv4_address outside ip_range
  CHECK(pool.allocate("a")->to_string() == "10.9.0.16");
  CHECK(pool.allocate("b")->to_string() == "10.9.0.17");
  pool.release(ip("10.9.0.23"));
  CHECK(pool.owner_of(ip("10.9.0.23")).empty());
}

TEST_CASE("enable_ipv6 without a subnet: /64s of pier's ULA /48, avoiding host routes and other projects",
          "[net][ipam]") {
  auto pools = default_v6_pools();
  REQUIRE(pools.size() == 256);
  CHECK(pools.front().to_string() == "fd70:6965:7200::/64");
  CHECK(pools[1].to_string() == "fd70:6965:7200:1::/64");
  for (const auto& p : pools) CHECK(sn("fc00::/7").contains(p.address));
  TempDir dir;
  SubnetStore store(dir.path);
  // A host route into the pool and the default route: the first free /64 after it.
  auto a = store.allocate("alpha", "default/ipv6", {sn("::/0"), sn("fd70:6965:7200::/63"), sn("172.18.0.0/16")},
                          pools);
  REQUIRE(a.ok());
  CHECK(a->to_string() == "fd70:6965:7200:2::/64");
  // IPv4 and IPv6 of one project live side by side; another project avoids both.
  CHECK(store.allocate("alpha", "default", {})->to_string() == "172.17.0.0/16");
  CHECK(store.allocate("beta", "default/ipv6", {}, pools)->to_string() == "fd70:6965:7200::/64");
  CHECK(store.allocate("gamma", "default/ipv6", {}, pools)->to_string() == "fd70:6965:7200:1::/64");
  CHECK(store.allocate("delta", "default/ipv6", {}, pools)->to_string() == "fd70:6965:7200:3::/64");
  CHECK(store.allocate("alpha", "default/ipv6", {}, pools)->to_string() == "fd70:6965:7200:2::/64");
}
