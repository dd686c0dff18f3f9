// `ps`'s PORTS, Publishers and COMMAND as Compose prints them.
#include <catch2/catch.hpp>

#include "app/status_text.h"

using namespace pier::app;

TEST_CASE("ps: exposed ports are listed beside the published ones, as Compose does", "[ps]") {
  pier::state::ContainerRecord r;
  r.ports = {{"0.0.0.0", 8080, 80, "tcp"}, {"::", 8080, 80, "tcp"}};
  r.exposed = {"80/tcp", "443/tcp", "9000/udp", "9001/udp"};
  auto ports = publishers(r);
  REQUIRE(ports.size() == 5);  // 80/tcp is published: listed once, with its mapping
  CHECK(ports[0].url.empty());
  CHECK(ports[0].target_port == 443);
  CHECK(ports[0].published_port == 0);
  CHECK(ports_text(ports) == "443/tcp, 9000-9001/udp, 0.0.0.0:8080->80/tcp, [::]:8080->80/tcp");
}

TEST_CASE("ps: ports published on their own number collapse into ranges", "[ps]") {
  std::vector<Publisher> ports = {{"0.0.0.0", 81, 81, "tcp"}, {"0.0.0.0", 80, 80, "tcp"}, {"0.0.0.0", 83, 83, "tcp"},
                                  {"", 53, 0, "udp"}};
  // docker/cli's order: a range closed by a gap first, then each open range in the order
  // its address and protocol first appeared.
  CHECK(ports_text(ports) == "0.0.0.0:80-81->80-81/tcp, 53/udp, 0.0.0.0:83->83/tcp");
  CHECK(ports_text({}) == "");
}

TEST_CASE("ps: COMMAND is cut at 20 characters of the command, not of its quoting", "[ps]") {
  CHECK(command_text("\"sleep 1000\"", true) == "\"sleep 1000\"");
  CHECK(command_text("\"docker-entrypoint.sh postgres\"", true) == "\"docker-entrypoint.s…\"");
  CHECK(command_text("\"docker-entrypoint.sh postgres\"", false) == "\"docker-entrypoint.sh postgres\"");
  // Exactly 20 characters: whole.
  CHECK(command_text("\"12345678901234567890\"", true) == "\"12345678901234567890\"");
  // An escape is one character of the command; so is a multi-byte one.
  CHECK(command_text("\"\\x1b\\\"é234567890123456789012\"", true) == "\"\\x1b\\\"é2345678901234567…\"");
}
