// The network part of a service plan: the mode, the networks a container joins in
// which order, the net module's spec of each Compose network (typed ipam), and the
// files of a container on no bridge.
#include <catch2/catch.hpp>

#include "plan/network.h"
#include "unit/plan/plan_helpers.h"

using namespace pier;
using namespace pier::plan;
using namespace pier::plan::test;
using Mode = NetworkPlan::Mode;

namespace {

const runtime::GeneratedFile* file_at(const ServicePlan& p, const std::string& target) {
  for (const auto& f : p.spec.files)
    if (f.target == target) return &f;
  return nullptr;
}

}  // namespace

TEST_CASE("plan: a bridge service joins its networks by gw_priority and answers to its names", "[plan][network]") {
  auto p = plan_of(R"(services:
  app:
    image: busybox
    hostname: web
    links: [db:database]
    networks:
      front: {}
      back:
        aliases: [api]
        gw_priority: 5
        ipv4_address: 172.28.0.10
  db:
    image: busybox
networks:
  front: {}
  back:
    ipam:
      config:
        - subnet: 172.28.0.0/16
)");
  REQUIRE(p.network.mode == Mode::bridge);
  REQUIRE(p.network.networks.size() == 2);
  const auto& back = p.network.networks[0];
  CHECK(back.network == "back");  // the highest gw_priority gets the default route
  CHECK(back.attach.default_route);
  CHECK(back.attach.ipv4->to_string() == "172.28.0.10");
  CHECK(back.names == std::vector<std::string>{"app", "proj-app-1", "web", "api", "database"});
  CHECK(p.network.networks[1].network == "front");
  CHECK_FALSE(p.network.networks[1].attach.default_route);
  CHECK(p.network.own_names == std::vector<std::string>{"web", "proj-app-1"});
  CHECK(p.network_attach);
  // Rewritten in place once the addresses are known: first /etc/hosts, then resolv.conf.
  REQUIRE(p.spec.files.size() >= 3);
  CHECK(p.spec.files[p.spec.files.size() - 3].target == "/etc/hosts");
  CHECK(p.spec.files[p.spec.files.size() - 2].target == "/etc/resolv.conf");
  CHECK(file_at(p, "/etc/hostname")->content == "web\n");
}

TEST_CASE("plan: network_mode none, host and service: decide what is attached and written", "[plan][network]") {
  auto none = plan_of("services:\n  app:\n    image: busybox\n    network_mode: none\n"
                      "    extra_hosts: [\"db:10.0.0.5\"]\n");
  CHECK(none.network.mode == Mode::none);
  CHECK(none.network_attach);  // loopback is brought up
  CHECK(file_at(none, "/etc/resolv.conf")->content.empty());
  CHECK_THAT(file_at(none, "/etc/hosts")->content, Catch::Contains("10.0.0.5\tdb\n"));

  auto host = plan_of("services:\n  app:\n    image: busybox\n    network_mode: host\n");
  CHECK(host.network.mode == Mode::host);
  CHECK_FALSE(host.network_attach);
  REQUIRE(file_at(host, "/etc/hosts"));

  auto shared = plan_of("services:\n  app:\n    image: busybox\n    network_mode: service:db\n"
                        "  db:\n    image: busybox\n");
  CHECK(shared.network.mode == Mode::shared);
  CHECK_FALSE(shared.network_attach);
  CHECK_FALSE(file_at(shared, "/etc/hosts"));  // the files come with the other container
}

TEST_CASE("plan: a static address that is not an IP names the service, the network and the line", "[plan][network]") {
  CHECK(error_of(R"(services:
  app:
    image: busybox
    networks:
      back:
        ipv4_address: not-an-ip
networks:
  back: {}
)") == "compose.yaml:5:7: service \"app\": network back: `not-an-ip` is not an IP address "
       "(fix ipv4_address/ipv6_address)");
}

TEST_CASE("plan: logging options go with the plan", "[plan][network]") {
  auto p = plan_of("services:\n  app:\n    image: busybox\n    logging:\n      options: {max-size: 1m}\n");
  CHECK(p.log_options == std::map<std::string, std::string>{{"max-size", "1m"}});
}

TEST_CASE("plan: network_spec reads the typed ipam pools of each family", "[plan][network]") {
  auto s = setup(R"(services:
  app:
    image: busybox
networks:
  back:
    enable_ipv6: true
    driver_opts:
      com.docker.network.bridge.name: br-back
      com.docker.network.driver.mtu: "1400"
    ipam:
      config:
        - subnet: 2001:db8::/64
          gateway: 2001:db8::1
        - subnet: 172.28.0.0/16
          gateway: 172.28.0.1
          ip_range: 172.28.5.0/24
          aux_addresses: {router: 172.28.1.5}
  plain: {}
)");
  auto back = network_spec("back", s->project.networks.at("back"));
  REQUIRE(back.ok());
  const auto& [spec, has_subnet] = *back;
  CHECK(has_subnet);
  CHECK(spec.bridge == "br-back");
  CHECK(spec.mtu == 1400);
  CHECK(spec.ipv4.subnet.address.to_string() == "172.28.0.0");
  CHECK(spec.ipv4.gateway->to_string() == "172.28.0.1");
  CHECK(spec.ipv4.ip_range->prefix == 24);
  CHECK(spec.ipv4.aux_addresses.at("router").to_string() == "172.28.1.5");
  REQUIRE(spec.ipv6);
  CHECK(spec.ipv6->subnet.prefix == 64);

  auto plain = network_spec("plain", s->project.networks.at("plain"));
  REQUIRE(plain.ok());
  CHECK_FALSE(plain->second);  // the net module picks the subnet
  CHECK_FALSE(plain->first.ipv6);
  CHECK(plain->first.bridge.empty());
}
