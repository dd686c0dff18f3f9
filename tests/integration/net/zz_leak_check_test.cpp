// Runs last (files are globbed in order): nothing pier-made may be left behind by
// the suite: no pier bridges, no pier veths, no pier nft tables.
#include <catch2/catch.hpp>

#include "integration/net/helpers.h"
#include "net/nat/firewall.h"
#include "net/names.h"
#include "net/netlink/links.h"

using namespace pier::net;

TEST_CASE("zz leak check: no pier links or nft tables remain", "[net][root][leak]") {
  PIER_NEEDS_ROOT();
  auto host = netlink::Socket::open().value();
  CHECK(netlink::list_links(host, kBridgePrefix).value().empty());
  CHECK(netlink::list_links(host, kVethPrefix).value().empty());
  CHECK(nat::list_pier_tables().value().empty());
}
