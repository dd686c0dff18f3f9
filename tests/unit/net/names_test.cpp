#include <catch2/catch.hpp>

#include "net/names.h"

using namespace pier::net;

TEST_CASE("link names pier makes or adopts are plain and short", "[net][names]") {
  CHECK(is_link_name(bridge_name("demo", "default")));
  CHECK(is_link_name(host_veth_name("demo", "default", "demo-web-1")));
  CHECK(is_link_name("docker0"));
  CHECK(is_link_name("br-0123456789ab"));
  CHECK_FALSE(is_link_name("br-0123456789abc"));
  CHECK_FALSE(is_link_name(""));
  CHECK_FALSE(is_link_name("br\"0"));  // would end `oifname "..."` in the nft rules
  CHECK_FALSE(is_link_name("a b"));
  CHECK_FALSE(is_link_name("../x"));
  CHECK_FALSE(is_link_name("-x"));
}
