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
