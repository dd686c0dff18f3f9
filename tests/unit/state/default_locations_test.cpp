#include <catch2/catch.hpp>

#include "state/paths.h"

using namespace pier::state;

TEST_CASE("paths: root's defaults are /var/lib/pier and /run/pier, unscoped") {
  CHECK(default_root() == "/var/lib/pier");
  CHECK(run_base("") == "/run/pier");
  CHECK(run_base("/var/lib/pier") == "/run/pier");
  CHECK(run_base("/srv/pier") == "/srv/pier/run");
  CHECK(kernel_name("/var/lib/pier", "web") == "web");
}

TEST_CASE("paths: a user's defaults replace root's; --root still wins") {
  use_default_locations("/home/ann/.local/share/pier", "/run/user/1000/pier");
  CHECK(default_root() == "/home/ann/.local/share/pier");
  CHECK(run_base("") == "/run/user/1000/pier");
  CHECK(run_base("/home/ann/.local/share/pier") == "/run/user/1000/pier");
  CHECK(run_base("/srv/pier") == "/srv/pier/run");
  auto paths = project_paths("", "web");
  REQUIRE(paths);
  CHECK(paths->root == "/home/ann/.local/share/pier");
  CHECK(paths->run == "/run/user/1000/pier/web");
  // A user's kernel objects never take root's unscoped names.
  CHECK(paths->kernel_name.starts_with("web."));
  use_default_locations(kDefaultRoot, kDefaultRun);
  CHECK(run_base("") == "/run/pier");
}
