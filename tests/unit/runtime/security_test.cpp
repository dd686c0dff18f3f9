#include <catch2/catch.hpp>
#include <linux/capability.h>

#include "runtime/cgroup/devices.h"
#include "runtime/security/caps.h"
#include "runtime/security/seccomp.h"

using namespace pier::runtime;

TEST_CASE("capabilities: Docker's 14, add, drop, ALL, unknown", "[runtime][caps]") {
  CHECK(default_caps() == 0xa80425fbull);
  CHECK(compute_caps({"NET_ADMIN"}, {"cap_chown"}, false).value() == 0xa80435faull);
  CHECK(compute_caps({}, {"ALL"}, false).value() == 0);
  CHECK(compute_caps({"ALL"}, {}, false).value() == (default_caps() | available_caps()));
  CHECK(compute_caps({}, {}, true).value() == available_caps());
  CHECK_THAT(compute_caps({"fly"}, {}, false).error().to_string(), Catch::Contains("unknown capability `fly`"));
  CHECK(cap_names(cap_bit(CAP_KILL)) == std::vector<std::string>{"cap_kill"});
}

TEST_CASE("seccomp programs compile and are cached per capability set", "[runtime][seccomp]") {
  auto a = default_seccomp_program(default_caps());
  INFO((a.ok() ? std::string() : a.error().to_string()));
  REQUIRE(a.ok());
  CHECK((*a)->size() > 100);
  auto b = default_seccomp_program(default_caps());
  CHECK(a->get() == b->get());
  auto admin = default_seccomp_program(default_caps() | cap_bit(CAP_SYS_ADMIN));
  REQUIRE(admin.ok());
  CHECK(admin->get() != a->get());
}

TEST_CASE("device rules parse and defaults match Docker's", "[runtime][devices]") {
  auto r = parse_device_rule("c 1:3 rwm").value();
  CHECK(r.type == 'c');
  CHECK(r.major == 1);
  CHECK(r.minor == 3);
  CHECK(r.to_v1() == "c 1:3 rwm");
  CHECK(parse_device_rule("b 8:* r").value().to_v1() == "b 8:* r");
  CHECK(parse_device_rule("a").value().to_v1() == "a *:* rwm");
  CHECK_THAT(parse_device_rule("x 1:3 rwm").error().to_string(), Catch::Contains("expected"));
  CHECK_FALSE(parse_device_rule("c 1:3 rwx").ok());
  auto defaults = default_device_rules(false);
  CHECK_FALSE(defaults.front().allow);
  CHECK(defaults.front().to_v1() == "a *:* rwm");
  CHECK(default_device_rules(true).size() == 1);
}
