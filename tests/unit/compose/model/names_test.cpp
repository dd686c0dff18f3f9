#include <catch2/catch.hpp>

#include "compose/names.h"

using namespace pier::compose;

TEST_CASE("names that become host paths follow Docker's rules", "[compose][names]") {
  CHECK(is_restricted_name("db"));
  CHECK(is_restricted_name("proj_data.v2-x"));
  CHECK_FALSE(is_restricted_name("d"));  // Docker: at least two characters
  CHECK_FALSE(is_restricted_name(".data"));
  CHECK_FALSE(is_restricted_name("_anonymous"));  // pier's own directory beside the volumes
  CHECK_FALSE(is_restricted_name("../../../../tmp/victim"));
  CHECK_FALSE(is_restricted_name("a/b"));

  CHECK(is_resource_key("_x"));
  CHECK(is_resource_key(".x"));
  CHECK_FALSE(is_resource_key("."));
  CHECK_FALSE(is_resource_key(".."));
  CHECK_FALSE(is_resource_key("a b"));

  CHECK(is_network_name("n"));
  CHECK_FALSE(is_network_name("br\"0"));
  CHECK_FALSE(is_network_name("-n"));
  CHECK(is_interface_name("br-0123456789ab"));
  CHECK_FALSE(is_interface_name("br-0123456789abc"));  // 16 > IFNAMSIZ - 1
}

TEST_CASE("ids are 0 to 4294967294, names pass to the image's lookup", "[compose][names]") {
  CHECK(check_user_ids("").ok());
  CHECK(check_user_ids("app:staff").ok());
  CHECK(check_user_ids("4294967294:4294967294").ok());
  CHECK(check_user_ids("-1").ok());  // not a number: a name, looked up (and not found) later
  CHECK(check_user_ids("4294967295").error().message() == "uid `4294967295` is out of range: ids go from 0 to 4294967294");
  CHECK(check_user_ids("0:4294967296").error().message() == "gid `4294967296` is out of range: ids go from 0 to 4294967294");
  CHECK_FALSE(check_user_ids("99999999999999999999999").ok());
  CHECK_FALSE(check_id("4294967295", "gid").ok());
  CHECK(check_id("wheel", "gid").ok());
}
