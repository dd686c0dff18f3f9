#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <unistd.h>

#include "unit/plan/plan_helpers.h"

using namespace pier;
using namespace pier::plan;
using namespace pier::plan::test;

TEST_CASE("plan: service-level limits", "[plan]") {
  auto p = plan_of(R"(services:
  app:
    image: busybox
    mem_limit: 512m
    memswap_limit: 1g
    mem_reservation: 256m
    cpus: 0.5
    cpu_shares: 1
    cpuset: "0"
    pids_limit: 100
    blkio_config:
      weight: 300
)");
  const auto& r = p.spec.resources;
  CHECK(r.memory == 512ll << 20);
  CHECK(r.memory_swap == 1ll << 30);
  CHECK(r.memory_reservation == 256ll << 20);
  CHECK(r.cpus == Approx(0.5));
  CHECK(r.cpu_shares == 2u);  // clamped to the kernel's minimum
  CHECK(r.cpuset_cpus == "0");
  CHECK(r.pids_limit == 100);
  CHECK(r.blkio_weight == 300);
  CHECK(p.warnings.empty());
}

TEST_CASE("plan: nothing asked, nothing limited", "[plan]") {
  const auto& r = plan_of("services:\n  app:\n    image: busybox\n").spec.resources;
  CHECK_FALSE(r.memory);
  CHECK_FALSE(r.memory_swap);
  CHECK_FALSE(r.cpus);
  CHECK_FALSE(r.cpu_shares);
  CHECK_FALSE(r.pids_limit);
  CHECK_FALSE(r.blkio_weight);
}

TEST_CASE("plan: deploy.resources wins over the service keys", "[plan]") {
  auto p = plan_of(R"(services:
  app:
    image: busybox
    mem_limit: 1g
    cpus: 1
    pids_limit: 10
    deploy:
      resources:
        limits: {memory: 128m, cpus: "0.25", pids: 50}
        reservations: {memory: 64m}
)");
  const auto& r = p.spec.resources;
  CHECK(r.memory == 128ll << 20);
  CHECK(r.cpus == Approx(0.25));
  CHECK(r.pids_limit == 50);
  CHECK(r.memory_reservation == 64ll << 20);
}

TEST_CASE("plan: cpu_quota/cpu_period become cpus", "[plan]") {
  CHECK(plan_of("services:\n  app:\n    image: busybox\n    cpu_quota: 50000\n").spec.resources.cpus == Approx(0.5));
  CHECK(plan_of("services:\n  app:\n    image: busybox\n    cpu_quota: 25000\n    cpu_period: 50000\n")
            .spec.resources.cpus == Approx(0.5));
  CHECK(error_of("services:\n  app:\n    image: busybox\n    cpus: 1\n    cpu_quota: 50000\n") ==
        "compose.yaml:5:5: service \"app\": `cpus` and `cpu_quota`/`cpu_period` cannot both be set (keep `cpus`)");
}

TEST_CASE("plan: resource errors say what is wrong and where", "[plan]") {
  CHECK(error_of("services:\n  app:\n    image: busybox\n    memswap_limit: 1g\n") ==
        "compose.yaml:4:5: service \"app\": `memswap_limit` needs a memory limit (set `mem_limit` too)");
  CHECK_THAT(error_of("services:\n  app:\n    image: busybox\n    mem_limit: 1g\n    memswap_limit: 512m\n"),
             Catch::StartsWith("compose.yaml:5:5: service \"app\": memswap_limit 536870912 is less than the memory limit"));
  CHECK(plan_of("services:\n  app:\n    image: busybox\n    mem_limit: 1g\n    memswap_limit: -1\n")
            .spec.resources.memory_swap == -1);
  CHECK(error_of("services:\n  app:\n    image: busybox\n    mem_limit: 1m\n") ==
        "compose.yaml:4:5: service \"app\": memory limit 1048576 is below the minimum of 6 MiB");
  long cpus = ::sysconf(_SC_NPROCESSORS_ONLN);
  CHECK(error_of("services:\n  app:\n    image: busybox\n    cpus: 100000\n") ==
        fmt::format("compose.yaml:4:5: service \"app\": cpus 100000 is out of range: this host has {0} CPUs (use a "
                    "value from 0.01 to {0})", cpus));
}

TEST_CASE("plan: limits pier cannot apply are warnings", "[plan]") {
  auto p = plan_of(R"(services:
  app:
    image: busybox
    blkio_config:
      device_read_bps: [{path: /dev/sda, rate: 1mb}]
    mem_swappiness: 10
    cgroup_parent: my.slice
    cpu_count: 2
)");
  std::string w = warnings_of(p);
  CHECK_THAT(w, Catch::Contains("compose.yaml:4:5: service \"app\": `blkio_config.device_read_bps` is not applied"));
  CHECK_THAT(w, Catch::Contains("compose.yaml:6:5: service \"app\": `mem_swappiness` is not applied"));
  CHECK_THAT(w, Catch::Contains("`cgroup_parent` is ignored"));
  CHECK_THAT(w, Catch::Contains("`cpu_count` is Windows-only and ignored"));
}

TEST_CASE("plan: unsupported keys that change behaviour are errors", "[plan]") {
  CHECK(error_of("services:\n  app:\n    image: busybox\n    runtime: nvidia\n") ==
        "compose.yaml:4:5: service \"app\": runtime `nvidia` is not supported: pier runs containers itself (remove "
        "`runtime`)");
  CHECK_THAT(warnings_of(plan_of("services:\n  app:\n    image: busybox\n    runtime: runc\n")),
             Catch::Contains("`runtime: runc` is ignored"));
  CHECK_THAT(error_of("services:\n  app:\n    image: busybox\n    isolation: process\n"),
             Catch::StartsWith("compose.yaml:4:5: service \"app\": isolation `process` is not supported on Linux"));
}
