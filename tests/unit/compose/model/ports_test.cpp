#include <catch2/catch.hpp>

#include "helpers.h"

using namespace pier::compose;
using namespace pier::compose::test;

namespace {

std::vector<ServicePort> ports_of(const std::string& items) {
  auto p = normalize("services:\n  web:\n    image: nginx\n    ports:\n" + items);
  if (!p) FAIL(p.error().to_string());
  return p->services.at("web").ports;
}

}  // namespace

TEST_CASE("short port syntax", "[compose][ports]") {
  struct Case { const char* spec; const char* ip; uint32_t target; const char* published; const char* proto; };
  const Case cases[] = {
      {"\"80\"", "", 80, "", "tcp"},
      {"\"8080:80\"", "", 80, "8080", "tcp"},
      {"\"127.0.0.1:8080:80/udp\"", "127.0.0.1", 80, "8080", "udp"},
      {"\"[::1]:8080:80\"", "::1", 80, "8080", "tcp"},
      {"\"127.0.0.1::80\"", "127.0.0.1", 80, "", "tcp"},
      {"\"8000-8010:80\"", "", 80, "8000-8010", "tcp"},
  };
  for (const auto& c : cases) {
    INFO(c.spec);
    auto ports = ports_of(std::string("      - ") + c.spec + "\n");
    REQUIRE(ports.size() == 1);
    CHECK(ports[0].host_ip == c.ip);
    CHECK(ports[0].target == c.target);
    CHECK(ports[0].published == c.published);
    CHECK(ports[0].protocol == c.proto);
    CHECK(ports[0].mode == "ingress");
  }
}

TEST_CASE("port ranges expand to one entry per port", "[compose][ports]") {
  auto ports = ports_of("      - \"3000-3002:4000-4002\"\n      - \"5000-5001\"\n");
  REQUIRE(ports.size() == 5);
  CHECK(ports[0].published == "3000");
  CHECK(ports[0].target == 4000);
  CHECK(ports[2].published == "3002");
  CHECK(ports[2].target == 4002);
  CHECK(ports[3].published.empty());
  CHECK(ports[4].target == 5001);
}

TEST_CASE("long port syntax", "[compose][ports]") {
  auto ports = ports_of(
      "      - name: web\n        target: 80\n        published: 8080\n        host_ip: 0.0.0.0\n"
      "        protocol: udp\n        mode: host\n        app_protocol: http\n");
  REQUIRE(ports.size() == 1);
  CHECK(ports[0].name == "web");
  CHECK(ports[0].published == "8080");
  CHECK(ports[0].mode == "host");
  CHECK(ports[0].app_protocol == "http");
}

TEST_CASE("bad ports are reported at the item", "[compose][ports]") {
  const char* base = "services:\n  web:\n    image: nginx\n    ports:\n      - ";
  CHECK_THAT(error_of(std::string(base) + "\"99999:80\"\n"),
             Catch::Contains("compose.yaml:5:9") && Catch::Contains("invalid port `99999:80`: bad host port"));
  CHECK_THAT(error_of(std::string(base) + "\"80/xyz\"\n"), Catch::Contains("unknown protocol `xyz`"));
  CHECK_THAT(error_of(std::string(base) + "\"3000-3002:80-81\"\n"), Catch::Contains("ranges differ in size"));
  CHECK_THAT(error_of(std::string(base) + "published: 80\n"), Catch::Contains("has no `target`"));
  CHECK_THAT(error_of(std::string(base) + "\"300.0.0.1:8080:80\"\n"),
             Catch::Contains("compose.yaml:5:9") && Catch::Contains("bad host IP `300.0.0.1`"));
  CHECK_THAT(error_of(std::string(base) + "\"[::g]:8080:80\"\n"), Catch::Contains("bad host IP `::g`"));
  CHECK_THAT(error_of(std::string(base) + "target: 80\n        host_ip: localhost\n"),
             Catch::Contains("compose.yaml:6:18") && Catch::Contains("invalid port `localhost`: bad host IP"));
  CHECK_THAT(error_of("services:\n  web:\n    image: nginx\n    ports: {a: 1}\n"),
             Catch::Contains("compose.yaml:4:12") && Catch::Contains("`ports` must be a sequence, got mapping"));
}
