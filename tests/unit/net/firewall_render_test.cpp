#include <catch2/catch.hpp>

#include "net/nat/firewall.h"

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
