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
  CHECK_THAT(text, Catch::Contains("table ip pier_my_app {"));
  CHECK_THAT(text, Catch::Contains("tcp dport 8080 dnat to 172.18.0.2:80"));
  CHECK_THAT(text, Catch::Contains("ip daddr 127.0.0.1 udp dport 5353 dnat to 172.18.0.3:53"));
  CHECK_THAT(text, Catch::Contains("fib daddr type local jump ports"));
  CHECK_THAT(text, Catch::Contains("ip saddr 172.18.0.0/16 oifname != \"pier-aaaa0001\" masquerade"));
  // The internal network gets no outbound masquerade and may not send out.
  CHECK_THAT(text, !Catch::Contains("ip saddr 172.19.0.0/16 oifname != \"pier-bbbb0002\" masquerade"));
  CHECK_THAT(text, Catch::Contains("iifname \"pier-bbbb0002\" oifname != \"pier-bbbb0002\" drop"));
  CHECK_THAT(text, Catch::Contains("oifname \"pier-aaaa0001\" iifname != \"pier-aaaa0001\" drop"));
  CHECK_THAT(text, Catch::Contains("oifname \"pier-aaaa0001\" ip saddr 172.18.0.0/16 ct status dnat masquerade"));
  // Replies and published ports pass before the isolation drops.
  CHECK(text.find("ct status dnat accept") < text.find("drop"));
}
