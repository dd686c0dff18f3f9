#include "rootless/locations.h"

#include <catch2/catch.hpp>

using pier::rootless::choose_locations;
using pier::rootless::LocationInputs;
using pier::rootless::outside_id;

TEST_CASE("rootless locations: XDG directories first") {
  LocationInputs in{"/data", "/run/user/1000", "/home/ann", 1000};
  auto where = choose_locations(in);
  REQUIRE(where);
  CHECK(where->data == "/data/pier");
  CHECK(where->run == "/run/user/1000/pier");
  CHECK_FALSE(where->run_in_tmp);
}

TEST_CASE("rootless locations: the home directory and /tmp without XDG variables") {
  LocationInputs in{"", "", "/home/ann", 1000};
  auto where = choose_locations(in);
  REQUIRE(where);
  CHECK(where->data == "/home/ann/.local/share/pier");
  CHECK(where->run == "/tmp/pier-1000");
  CHECK(where->run_in_tmp);
}

TEST_CASE("rootless locations: relative XDG paths are ignored, as the specification says") {
  LocationInputs in{"data", "run", "/home/ann", 1000};
  auto where = choose_locations(in);
  REQUIRE(where);
  CHECK(where->data == "/home/ann/.local/share/pier");
  CHECK(where->run == "/tmp/pier-1000");
}

TEST_CASE("rootless locations: no data directory without XDG_DATA_HOME or a home") {
  LocationInputs in{"", "/run/user/1000", "", 1000};
  auto where = choose_locations(in);
  REQUIRE_FALSE(where);
  CHECK(where.error().to_string().find("uid 1000") != std::string::npos);
}

TEST_CASE("rootless locations: the uid outside is read back through the map") {
  CHECK(outside_id("         0       1000          1\n", 0) == 1000UL);
  CHECK(outside_id("0 1000 1\n1 100000 65536\n", 33) == 100032UL);
  CHECK(outside_id("0 1000 1\n1 100000 65536\n", 65536) == 165535UL);
  CHECK_FALSE(outside_id("0 1000 1\n1 100000 65536\n", 65537));
  CHECK(outside_id("0 0 4294967295\n", 1000) == 1000UL);
  CHECK_FALSE(outside_id("", 0));
}
