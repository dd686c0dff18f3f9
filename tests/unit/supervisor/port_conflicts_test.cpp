// Host ports an `up` would publish twice, and more listeners than the supervisor may
// open: both found from the compose file alone, before anything starts.
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "supervisor/port_conflicts.h"
#include "unit/compose/model/helpers.h"

using namespace pier;
using namespace pier::supervisor;

namespace {

compose::Project project_of(const std::string& services) {
  auto p = compose::test::normalize("services:\n" + services);
  if (!p) FAIL(p.error().to_string());
  return std::move(*p);
}

std::string error_of(const Status& st) { return st ? std::string("no error") : st.error().to_string(); }

}  // namespace

TEST_CASE("host ports: two services, one port: an error at the second one's ports", "[supervisor][ports]") {
  auto p = project_of(
      "  a:\n    image: x\n    ports: [\"8080:80\"]\n"
      "  b:\n    image: x\n    ports:\n      - \"127.0.0.1:8080:81\"\n");
  auto text = error_of(check_host_ports(p, {{"a", 1}, {"b", 1}}));
  CHECK_THAT(text, Catch::Contains("services a and b both publish host port 8080/tcp on 127.0.0.1"));
  CHECK_THAT(text, Catch::Contains("compose.yaml:7:"));
  // Not together in this `up`, other protocols, other addresses: no clash.
  CHECK(check_host_ports(p, {{"a", 1}}));
  auto q = project_of(
      "  a:\n    image: x\n    ports: [\"8080:80/udp\", \"10.0.0.1:9000:90\"]\n"
      "  b:\n    image: x\n    ports: [\"8080:80\", \"10.0.0.2:9000:90\"]\n"
      "  h:\n    image: x\n    network_mode: host\n    ports: [\"8080:80\"]\n");
  CHECK(check_host_ports(q, {{"a", 1}, {"b", 1}, {"h", 1}}));
}

TEST_CASE("host ports: replicas of a fixed port clash, a range gives each its own", "[supervisor][ports]") {
  auto p = project_of("  web:\n    image: x\n    ports: [\"8080:80\"]\n  api:\n    image: x\n    ports: [\"9000-9002:80\"]\n");
  CHECK_THAT(error_of(check_host_ports(p, {{"web", 2}})),
             Catch::Contains("service web: replicas 1 and 2 would both publish host port 8080/tcp"));
  CHECK(check_host_ports(p, {{"api", 3}}));
  auto twice = project_of("  web:\n    image: x\n    ports: [\"8080:80\", \"8080:81\"]\n");
  CHECK_THAT(error_of(check_host_ports(twice, {{"web", 1}})),
             Catch::Contains("service web publishes host port 8080/tcp twice"));
}

TEST_CASE("host ports: more listeners than half the open-file limit is an error", "[supervisor][ports]") {
  // 600 single ports (not a range: every one goes to container port 80) need a proxy each.
  std::string ports;
  for (int i = 0; i < 600; ++i) ports += fmt::format("{}\"{}:80\"", i ? ", " : "", 20000 + 2 * i);
  auto p = project_of("  wide:\n    image: x\n    ports: [" + ports + "]\n");
  CHECK(check_listener_budget(p, {{"wide", 1}}, 2048));
  auto text = error_of(check_listener_budget(p, {{"wide", 1}}, 1024));
  CHECK_THAT(text, Catch::Contains("600 published ports need as many listening sockets"));
  CHECK_THAT(text, Catch::Contains("open-file limit (1024)"));
  CHECK_THAT(text, Catch::Contains("compose.yaml:4:"));
  CHECK_THAT(error_of(check_listener_budget(p, {{"wide", 2}}, 2048)), Catch::Contains("1200 published ports"));
}

TEST_CASE("host ports: a range is published by the kernel and needs no listeners", "[supervisor][ports]") {
  auto all = project_of("  wide:\n    image: x\n    ports: [\"1-65535:1-65535\"]\n");
  CHECK(check_listener_budget(all, {{"wide", 3}}, 1024));
  // A range whose container ports do not count along is one port picked per replica: a proxy.
  auto picked = project_of("  wide:\n    image: x\n    ports: [\"20000-20999:80\"]\n");
  CHECK(check_listener_budget(picked, {{"wide", 1}}, 4));
  CHECK_FALSE(check_listener_budget(picked, {{"wide", 3}}, 4));
}
