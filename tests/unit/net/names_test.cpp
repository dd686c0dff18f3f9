#include <catch2/catch.hpp>

#include "net/names.h"

using namespace pier::net;

namespace {
bool valid(const std::string& name) { return check_bridge_name(name).ok(); }
}  // namespace

TEST_CASE("link names pier makes or adopts are plain and short", "[net][names]") {
  CHECK(valid(bridge_name("demo", "default")));
  CHECK(valid(host_veth_name("demo", "default", "demo-web-1")));
  CHECK(valid("docker0"));
  CHECK(valid("br-0123456789ab"));
  CHECK_FALSE(valid("br-0123456789abc"));
  CHECK_FALSE(valid(""));
  CHECK_FALSE(valid("br\"0"));  // would end `oifname "..."` in the nft rules
  CHECK_FALSE(valid("a b"));
  CHECK_FALSE(valid("../x"));
  CHECK_FALSE(valid("-x"));
}

TEST_CASE("kernel names keep the default root's and never meet a scoped one's", "[net][names]") {
  CHECK(nft_table_name("demo") == "pier_demo");
  // Pinned: the default root's projects keep their links across upgrades.
  CHECK(bridge_name("demo", "default") == "pier-770dc40b");
  CHECK(host_veth_name("demo", "default", "demo-web-1") == "pvdb75bcb301f5");
  CHECK(nft_table_name("my-app") == "pier_my_app");
  CHECK(nft_table_name("my-app.c7948eae") == "pier_my_app.c7948eae");
  CHECK(nft_table_name("my_app.c7948eae") != nft_table_name("my_app_c7948eae"));
  // `a-b` and `a_b` are two projects: two tables.
  CHECK(nft_table_name("a-b") == "pier_a_b");
  CHECK(nft_table_name("a_b") == "pier-a_b");
  CHECK(nft_table_name("a_b-c") == "pier-a_b-c");
  CHECK(nft_table_name("a_b-c") != nft_table_name("a-b_c"));
  CHECK(bridge_name("demo.c7948eae", "default") != bridge_name("demo", "default"));
  CHECK(host_veth_name("demo.c7948eae", "default", "demo-web-1") != host_veth_name("demo", "default", "demo-web-1"));
}
