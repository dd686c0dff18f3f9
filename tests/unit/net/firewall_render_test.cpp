#include <catch2/catch.hpp>

#include <fmt/format.h>

#include "net/nat/firewall.h"
#include "net/ports.h"

using namespace pier::net;
using namespace pier::net::nat;

TEST_CASE("nft ruleset: DNAT per port, masquerade, hairpin and isolation", "[net][nat]") {
  ProjectFirewall fw;
  fw.project = "my-app";
  fw.networks = {{"pier-aaaa0001", Subnet::parse("172.18.0.0/16").value(), false},
                 {"pier-bbbb0002", Subnet::parse("172.19.0.0/16").value(), true}};
  PortMapping web{"web", IPPROTO_TCP, {}, 8080, IpAddress::parse("172.18.0.2").value(), 80};
  PortMapping dns{"dns", IPPROTO_UDP, IpAddress::parse("127.0.0.1").value(), 5353,
                  IpAddress::parse("172.18.0.3").value(), 53};
  fw.ports = {web, dns};
  auto text = render_ruleset(fw);
  CHECK_THAT(text, Catch::Contains("table inet pier_my_app {"));
  CHECK_THAT(text, Catch::Contains("meta nfproto ipv4 tcp dport 8080 dnat ip to 172.18.0.2:80"));
  CHECK_THAT(text, Catch::Contains("ip daddr 127.0.0.1 udp dport 5353 dnat ip to 172.18.0.3:53"));
  // No IPv6 anywhere without enable_ipv6.
  CHECK_THAT(text, !Catch::Contains("ip6"));
  CHECK_THAT(text, Catch::Contains("fib daddr type local jump ports"));
  // Loopback destinations from anywhere but lo are never DNATed.
  CHECK(text.find("iifname != \"lo\" ip daddr 127.0.0.0/8 return") < text.find("jump ports"));
  CHECK_THAT(text, Catch::Contains("ip saddr 172.18.0.0/16 oifname != \"pier-aaaa0001\" masquerade"));
  // The internal network gets no outbound masquerade and may not send out.
  CHECK_THAT(text, !Catch::Contains("ip saddr 172.19.0.0/16 oifname != \"pier-bbbb0002\" masquerade"));
  CHECK_THAT(text, Catch::Contains("iifname \"pier-bbbb0002\" oifname != \"pier-bbbb0002\" drop"));
  CHECK_THAT(text, Catch::Contains("oifname \"pier-aaaa0001\" iifname != \"pier-aaaa0001\" drop"));
  CHECK_THAT(text, Catch::Contains("oifname \"pier-aaaa0001\" ip saddr 172.18.0.0/16 ct status dnat masquerade"));
  // Replies and published ports pass before the isolation drops.
  CHECK(text.find("ct status dnat accept") < text.find("drop"));
}

TEST_CASE("nft ruleset: enable_ipv6 adds masquerade and DNAT for the IPv6 subnet", "[net][nat]") {
  ProjectFirewall fw;
  fw.project = "v6";
  fw.networks = {{"pier-aaaa0001", Subnet::parse("172.18.0.0/16").value(), false,
                  Subnet::parse("fd70:6965:7200::/64").value()},
                 {"pier-bbbb0002", Subnet::parse("172.19.0.0/16").value(), true,
                  Subnet::parse("fd70:6965:7200:1::/64").value()}};
  PortMapping both{"web", IPPROTO_TCP, {}, 8080, IpAddress::parse("172.18.0.2").value(), 80,
                   IpAddress::parse("fd70:6965:7200::2").value()};
  PortMapping on_v6{"api", IPPROTO_UDP, IpAddress::parse("fd00::2").value(), 5353,
                    IpAddress::parse("172.18.0.3").value(), 53, IpAddress::parse("fd70:6965:7200::3").value()};
  PortMapping on_v4{"db", IPPROTO_TCP, IpAddress::parse("127.0.0.1").value(), 5432,
                    IpAddress::parse("172.18.0.4").value(), 5432, IpAddress::parse("fd70:6965:7200::4").value()};
  fw.ports = {both, on_v6, on_v4};
  auto text = render_ruleset(fw);
  // Any host address: one rule per family.
  CHECK_THAT(text, Catch::Contains("meta nfproto ipv4 tcp dport 8080 dnat ip to 172.18.0.2:80"));
  CHECK_THAT(text, Catch::Contains("meta nfproto ipv6 tcp dport 8080 dnat ip6 to [fd70:6965:7200::2]:80"));
  // An IPv6 host address: only the IPv6 rule; an IPv4 one: only the IPv4 rule.
  CHECK_THAT(text, Catch::Contains("ip6 daddr fd00::2 udp dport 5353 dnat ip6 to [fd70:6965:7200::3]:53"));
  CHECK_THAT(text, !Catch::Contains("dnat ip to 172.18.0.3:53"));
  CHECK_THAT(text, Catch::Contains("ip daddr 127.0.0.1 tcp dport 5432 dnat ip to 172.18.0.4:5432"));
  CHECK_THAT(text, !Catch::Contains("[fd70:6965:7200::4]"));
  // Outbound masquerade for the IPv6 subnet of the non-internal network only; hairpin for both.
  CHECK_THAT(text, Catch::Contains("ip6 saddr fd70:6965:7200::/64 oifname != \"pier-aaaa0001\" masquerade"));
  CHECK_THAT(text, !Catch::Contains("ip6 saddr fd70:6965:7200:1::/64 oifname != \"pier-bbbb0002\" masquerade"));
  CHECK_THAT(text, Catch::Contains("oifname \"pier-aaaa0001\" ip6 saddr fd70:6965:7200::/64 ct status dnat masquerade"));
  CHECK_THAT(text, Catch::Contains("oifname \"pier-bbbb0002\" ip6 saddr fd70:6965:7200:1::/64 ct status dnat masquerade"));
}

namespace {
std::vector<PortMapping> range_of(uint16_t host, uint16_t container, int count, const char* ip) {
  std::vector<PortMapping> out;
  for (int i = 0; i < count; ++i) {
    PortMapping m{"web", IPPROTO_TCP, {}, uint16_t(host + i), IpAddress::parse(ip).value(), uint16_t(container + i)};
    m.by_kernel = true;
    out.push_back(m);
  }
  return out;
}
}  // namespace

TEST_CASE("nft ruleset: a range on the same numbers is one rule, and host processes reach it through output",
          "[net][nat]") {
  ProjectFirewall fw;
  fw.project = "r";
  fw.networks = {{"pier-aaaa0001", Subnet::parse("172.18.0.0/16").value(), false}};
  fw.ports = range_of(1, 1, 65535, "172.18.0.2");
  auto text = render_ruleset(fw);
  CHECK_THAT(text, Catch::Contains("meta nfproto ipv4 tcp dport 1-65535 dnat ip to 172.18.0.2\n"));
  CHECK(text.size() < 4096);
  // The output hook DNATs local destinations (127.0.0.1 included) for the range only.
  auto output = text.substr(text.find("chain local_ports"));
  CHECK_THAT(output, Catch::Contains("tcp dport 1-65535 dnat ip to 172.18.0.2"));
  CHECK_THAT(text, Catch::Contains("type nat hook output priority -100;"));
  CHECK_THAT(text, Catch::Contains("oifname \"pier-aaaa0001\" ip saddr 127.0.0.0/8 ct status dnat masquerade"));
  // Loopback destinations arriving on a bridge are dropped before any other hook.
  CHECK_THAT(text, Catch::Contains("type filter hook prerouting priority raw;"));
  CHECK_THAT(text, Catch::Contains("iifname \"pier-aaaa0001\" ip daddr 127.0.0.0/8 drop"));
}

TEST_CASE("nft ruleset: a shifted range is a rule per port; single ports keep their proxy", "[net][nat]") {
  ProjectFirewall fw;
  fw.project = "r";
  fw.networks = {{"pier-aaaa0001", Subnet::parse("172.18.0.0/16").value(), false}};
  fw.ports = range_of(9000, 8000, 3, "172.18.0.2");
  fw.ports.push_back({"db", IPPROTO_TCP, {}, 5432, IpAddress::parse("172.18.0.3").value(), 5432});
  auto text = render_ruleset(fw);
  for (int i = 0; i < 3; ++i)
    CHECK_THAT(text, Catch::Contains(fmt::format("tcp dport {} dnat ip to 172.18.0.2:{}", 9000 + i, 8000 + i)));
  auto output = text.substr(text.find("chain local_ports"), text.find("chain output") - text.find("chain local_ports"));
  CHECK_THAT(output, Catch::Contains("tcp dport 9002 dnat ip to 172.18.0.2:8002"));
  CHECK_THAT(output, !Catch::Contains("5432"));
}

TEST_CASE("nft ruleset: without a range there is no output hook", "[net][nat]") {
  ProjectFirewall fw;
  fw.project = "r";
  fw.networks = {{"pier-aaaa0001", Subnet::parse("172.18.0.0/16").value(), false}};
  fw.ports = {{"db", IPPROTO_TCP, {}, 5432, IpAddress::parse("172.18.0.3").value(), 5432}};
  auto text = render_ruleset(fw);
  CHECK_THAT(text, !Catch::Contains("hook output"));
  CHECK_THAT(text, Catch::Contains("iifname \"pier-aaaa0001\" ip daddr 127.0.0.0/8 drop"));
}

TEST_CASE("port runs: consecutive host and container ports with one protocol and address", "[net][ports]") {
  std::vector<PortKey> keys{{IPPROTO_TCP, "", 80, 80},      {IPPROTO_TCP, "", 8000, 8000}, {IPPROTO_TCP, "", 8001, 8001},
                            {IPPROTO_UDP, "", 8002, 8002},  {IPPROTO_TCP, "", 8003, 9},    {IPPROTO_TCP, "", 0, 10},
                            {IPPROTO_TCP, "", 0, 11},       {IPPROTO_TCP, "1.2.3.4", 8004, 8004}};
  auto runs = in_port_runs(keys);
  CHECK(runs == std::vector<bool>{false, true, true, false, false, false, false, false});
}
