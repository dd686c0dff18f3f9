#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <sys/resource.h>

#include <fstream>

#include "plan/host_limits.h"
#include "unit/image/temp_dir.h"
#include "unit/plan/plan_helpers.h"

using namespace pier;
using namespace pier::plan;
using namespace pier::plan::test;
using runtime::SeccompAction;
using runtime::SeccompMode;

TEST_CASE("plan: privileged, capabilities, no-new-privileges", "[plan]") {
  auto p = plan_of(R"(services:
  app:
    image: busybox
    cap_add: [NET_ADMIN]
    cap_drop: [ALL]
    security_opt: ["no-new-privileges:true"]
)");
  CHECK(p.spec.process.cap_add == std::vector<std::string>{"NET_ADMIN"});
  CHECK(p.spec.process.cap_drop == std::vector<std::string>{"ALL"});
  CHECK(p.spec.process.no_new_privs);
  CHECK_FALSE(p.spec.privileged);
  CHECK(p.spec.seccomp == SeccompMode::default_profile);
  for (const char* opt : {"no-new-privileges", "no-new-privileges=true", "no-new-privileges:1"})
    CHECK(plan_of(fmt::format("services:\n  app:\n    image: busybox\n    security_opt: [\"{}\"]\n", opt))
              .spec.process.no_new_privs);
  CHECK_FALSE(plan_of("services:\n  app:\n    image: busybox\n    security_opt: [\"no-new-privileges:false\"]\n")
                  .spec.process.no_new_privs);
  CHECK(plan_of("services:\n  app:\n    image: busybox\n    privileged: true\n").spec.privileged);
  CHECK(error_of("services:\n  app:\n    image: busybox\n    cap_add: [FLY]\n") ==
        "compose.yaml:4:5: service \"app\": cap_add: unknown capability `FLY` (see capabilities(7) for the names)");
}

TEST_CASE("plan: security_opt seccomp and the LSM options", "[plan]") {
  CHECK(plan_of("services:\n  app:\n    image: busybox\n    security_opt: [seccomp=unconfined]\n").spec.seccomp ==
        SeccompMode::unconfined);
  CHECK(plan_of("services:\n  app:\n    image: busybox\n    security_opt: [\"seccomp:unconfined\"]\n").spec.seccomp ==
        SeccompMode::unconfined);
  auto lsm = plan_of("services:\n  app:\n    image: busybox\n    security_opt: [apparmor=unconfined, \"label:disable\"]\n");
  CHECK(warnings_of(lsm) ==
        "compose.yaml:4:5: service \"app\": `apparmor=unconfined` is accepted but not applied: pier does not load "
        "AppArmor profiles\n"
        "compose.yaml:4:5: service \"app\": `label:disable` is accepted but not applied: pier does not set SELinux "
        "labels\n");
  CHECK(error_of("services:\n  app:\n    image: busybox\n    security_opt: [mask=/proc/x]\n") ==
        "compose.yaml:4:5: service \"app\": unknown security_opt `mask=/proc/x` (use no-new-privileges, "
        "seccomp=<file>|unconfined, apparmor=<profile> or label=<option>)");
  CHECK_THAT(error_of("services:\n  app:\n    image: busybox\n    security_opt: [nonsense]\n"),
             Catch::StartsWith("compose.yaml:4:5: service \"app\": invalid security_opt `nonsense`"));
}

TEST_CASE("plan: a seccomp profile file is read relative to the project", "[plan]") {
  pier::test::TempDir dir;
  std::ofstream(dir / "profile.json") << R"({"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38,
    "syscalls": [{"names": ["read", "write"], "action": "SCMP_ACT_ALLOW"},
                 {"names": ["mount"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_ADMIN"]}}]})";
  std::ofstream(dir / "broken.json") << R"({"defaultAction": "SCMP_ACT_FLY"})";
  const std::string yaml = "services:\n  app:\n    image: busybox\n    security_opt: [seccomp=profile.json]\n";
  auto s = setup(yaml);
  s->project.working_dir = dir.path();
  auto p = plan_container(s->in);
  REQUIRE(p);
  CHECK(p->spec.seccomp == SeccompMode::custom);
  CHECK(p->seccomp_profile_path == dir / "profile.json");
  CHECK(p->spec.seccomp_profile.default_action == SeccompAction::errno_);
  CHECK(p->spec.seccomp_profile.default_errno == 38);
  // mount is for CAP_SYS_ADMIN holders only; Docker's default set has no SYS_ADMIN.
  REQUIRE(p->spec.seccomp_profile.rules.size() == 1);
  CHECK(p->spec.seccomp_profile.rules[0].names == std::vector<std::string>{"read", "write"});

  auto broken = setup("services:\n  app:\n    image: busybox\n    security_opt: [seccomp=broken.json]\n");
  broken->project.working_dir = dir.path();
  auto err = plan_container(broken->in);
  REQUIRE_FALSE(err);
  CHECK(err.error().to_string() == fmt::format("compose.yaml:4:5: service \"app\": seccomp profile `{}`: "
                                               "defaultAction: unknown action `SCMP_ACT_FLY`", dir / "broken.json"));
  auto missing = setup("services:\n  app:\n    image: busybox\n    security_opt: [seccomp=/nonexistent.json]\n");
  CHECK(plan_container(missing->in).error().to_string() ==
        "compose.yaml:4:5: service \"app\": open seccomp profile `/nonexistent.json`: No such file or directory");

  auto privileged = setup("services:\n  app:\n    image: busybox\n    privileged: true\n    security_opt: [seccomp=profile.json]\n");
  privileged->project.working_dir = dir.path();
  auto pp = plan_container(privileged->in);
  REQUIRE(pp);
  CHECK(pp->spec.seccomp == SeccompMode::unconfined);
  CHECK_THAT(warnings_of(*pp), Catch::Contains("a privileged container runs without seccomp"));
}

TEST_CASE("plan: ulimits become exactly the rlimits asked for", "[plan]") {
  CHECK(plan_of("services:\n  app:\n    image: busybox\n").spec.process.rlimits.empty());
  auto p = plan_of(R"(services:
  app:
    image: busybox
    ulimits:
      core: 0
      nofile: {soft: 1024, hard: 2048}
      stack: -1
)");
  const auto& r = p.spec.process.rlimits;
  REQUIRE(r.size() == 3);
  CHECK(r[0].resource == RLIMIT_CORE);
  CHECK(r[0].soft == 0);
  CHECK(r[0].hard == 0);
  CHECK(r[1].resource == RLIMIT_NOFILE);
  CHECK(r[1].soft == 1024);
  CHECK(r[1].hard == 2048);
  CHECK(r[2].resource == RLIMIT_STACK);
  CHECK(r[2].hard == RLIM_INFINITY);
  CHECK(error_of("services:\n  app:\n    image: busybox\n    ulimits: {nofiles: 10}\n") ==
        "compose.yaml:4:5: service \"app\": unknown ulimit `nofiles` (did you mean `nofile`?)");
}

TEST_CASE("plan: a hard limit above what pier may grant is a clear error", "[plan]") {
  rlimit cur{};
  REQUIRE(::getrlimit(RLIMIT_NOFILE, &cur) == 0);
  if (has_sys_resource() || cur.rlim_max == RLIM_INFINITY) {
    WARN("skipped: pier may raise RLIMIT_NOFILE on this host");  // Catch2 v2 has no SKIP
    return;
  }
  uint64_t want = cur.rlim_max + 1;
  CHECK(error_of(fmt::format("services:\n  app:\n    image: busybox\n    ulimits:\n      nofile: {}\n", want)) ==
        fmt::format("compose.yaml:4:5: service \"app\": ulimits.nofile: hard limit {0} is above this host's limit {1} "
                    "(use {1} or less: pier cannot raise a hard limit without CAP_SYS_RESOURCE)", want, cur.rlim_max));
  auto at_limit = plan_of(fmt::format("services:\n  app:\n    image: busybox\n    ulimits:\n      nofile: {}\n", cur.rlim_max));
  CHECK(at_limit.spec.process.rlimits.at(0).hard == cur.rlim_max);
}

TEST_CASE("plan: oom_score_adj", "[plan]") {
  CHECK(plan_of("services:\n  app:\n    image: busybox\n    oom_score_adj: 500\n").spec.process.oom_score_adj == 500);
  CHECK_FALSE(plan_of("services:\n  app:\n    image: busybox\n").spec.process.oom_score_adj);
  CHECK(error_of("services:\n  app:\n    image: busybox\n    oom_score_adj: 2000\n") ==
        "compose.yaml:4:5: service \"app\": oom_score_adj 2000 is outside -1000..1000");
  if (!has_sys_resource() && own_oom_score_adj() > -1000)
    CHECK_THAT(error_of("services:\n  app:\n    image: busybox\n    oom_score_adj: -1000\n"),
               Catch::StartsWith("compose.yaml:4:5: service \"app\": oom_score_adj -1000 is below pier's own"));
}
