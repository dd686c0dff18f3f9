#include "sys/user_namespace.h"

#include <catch2/catch.hpp>

using pier::sys::is_initial_uid_map;

TEST_CASE("user namespace: only the whole identity map is the initial namespace") {
  CHECK(is_initial_uid_map("         0          0 4294967295\n"));
  // `unshare -r` as uid 1000, and pier's own map from /etc/subuid.
  CHECK_FALSE(is_initial_uid_map("         0       1000          1\n"));
  CHECK_FALSE(is_initial_uid_map("0 1000 1\n1 100000 65536\n"));
  // An identity map of part of the ids is a user namespace too.
  CHECK_FALSE(is_initial_uid_map("0 0 65536\n"));
  CHECK_FALSE(is_initial_uid_map("0 0 4294967295\n1 1 1\n"));
  CHECK_FALSE(is_initial_uid_map(""));
}
