// `up`'s one warning about the limits a rootless pier starts containers without.
#include <catch2/catch.hpp>

#include "supervisor/ignored_limits.h"

using pier::supervisor::IgnoredLimits;

TEST_CASE("ignored limits: one warning naming each Compose key and its services", "[supervisor][rootless]") {
  IgnoredLimits ignored;
  CHECK(ignored.warning().empty());
  ignored.add("web", {"memory", "cpus"});
  ignored.add("db", {"memory", "pids_limit", "blkio_weight"});
  ignored.add("web", {"memory"});  // a second replica of web
  ignored.add("plain", {});
  CHECK(ignored.warning() ==
        "pier runs rootless and this user has no delegated cgroup controllers for them, so these limits are ignored: "
        "blkio_config.weight (db), cpus (web), mem_limit (db, web), pids_limit (db); delegate a cgroup v2 subtree to "
        "the user (systemd's user@.service) to apply them");
}
