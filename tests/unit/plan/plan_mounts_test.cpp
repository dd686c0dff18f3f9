#include <catch2/catch.hpp>

#include "unit/plan/plan_helpers.h"

using namespace pier;
using namespace pier::plan;
using namespace pier::plan::test;
using runtime::Propagation;

namespace {

const runtime::BindMount* bind_at(const ServicePlan& p, const std::string& target) {
  for (const auto& b : p.spec.binds)
    if (b.target == target) return &b;
  return nullptr;
}

const runtime::TmpfsMount* tmpfs_at(const ServicePlan& p, const std::string& target) {
  for (const auto& t : p.spec.tmpfs)
    if (t.target == target) return &t;
  return nullptr;
}

const std::string kAnonRoot = "/tmp/pier-plan-test-root/volumes/_anonymous/proj/proj-app-1/";

}  // namespace

TEST_CASE("plan: bind mounts keep read_only, propagation and create_host_path", "[plan]") {
  auto p = plan_of(R"(services:
  app:
    image: busybox
    volumes:
      - ./data:/data:ro
      - /srv/logs:/logs:rshared
      - type: bind
        source: /etc/app
        target: /etc/app/
      - type: bind
        source: /opt
        target: /opt
        bind:
          propagation: rslave
)");
  const auto* data = bind_at(p, "/data");
  REQUIRE(data);
  CHECK(data->source == "/work/proj/data");
  CHECK(data->read_only);
  CHECK(data->create_host_path);
  CHECK(data->propagation == Propagation::rprivate);
  CHECK(bind_at(p, "/logs")->propagation == Propagation::rshared);
  // Long syntax without a `bind:` block goes through the engine's legacy bind API,
  // which creates the source; with one, only `create_host_path: true` does.
  REQUIRE(bind_at(p, "/etc/app"));
  CHECK(bind_at(p, "/etc/app")->create_host_path);
  CHECK_FALSE(bind_at(p, "/opt")->create_host_path);
  CHECK(bind_at(p, "/opt")->propagation == Propagation::rslave);
  CHECK(p.volumes.empty());
  CHECK(p.warnings.empty());
  CHECK(warnings_of(plan_of("services:\n  app:\n    image: busybox\n    volumes: [\"data:/data:z\"]\nvolumes:\n  data:\n")) ==
        "compose.yaml:4:15: service \"app\": SELinux relabelling `:z` of `/data` is not applied\n");
}

TEST_CASE("plan: named and anonymous volumes become binds and volume preparations", "[plan]") {
  auto p = plan_of(R"(services:
  app:
    image: busybox
    volumes:
      - data:/var/lib/data
      - type: volume
        source: cache
        target: /cache
        read_only: true
        volume:
          nocopy: true
      - type: volume
        target: /scratch
      - outside:/ext
volumes:
  data:
  cache:
  outside:
    external: true
    name: shared-outside
)");
  const auto* data = bind_at(p, "/var/lib/data");
  REQUIRE(data);
  CHECK(data->source == "/tmp/pier-plan-test-root/volumes/proj_data/_data");
  CHECK_FALSE(data->read_only);
  CHECK(bind_at(p, "/cache")->read_only);
  CHECK(bind_at(p, "/scratch")->source == kAnonRoot + "_2fscratch");
  CHECK(bind_at(p, "/ext")->source == "/tmp/pier-plan-test-root/volumes/shared-outside/_data");
  REQUIRE(p.volumes.size() == 4);
  auto find = [&](const std::string& target) {
    for (const auto& v : p.volumes)
      if (v.target == target) return v;
    FAIL("no volume at " << target);
    return VolumePrep{};
  };
  CHECK(find("/var/lib/data").name == "proj_data");
  CHECK(find("/var/lib/data").copy_image_content);
  CHECK_FALSE(find("/cache").copy_image_content);
  CHECK(find("/scratch").name.empty());
  CHECK(find("/scratch").dir == kAnonRoot + "_2fscratch");
  CHECK(find("/ext").external);
}

TEST_CASE("plan: image VOLUMEs nothing mounts become anonymous volumes", "[plan]") {
  auto config = busybox_config();
  config.volumes = {"/var/lib/postgresql/data", "/logs"};
  auto p = plan_of("services:\n  app:\n    image: busybox\n    volumes: [./logs:/logs]\n", config);
  CHECK(bind_at(p, "/logs")->source == "/work/proj/logs");
  const auto* anon = bind_at(p, "/var/lib/postgresql/data");
  REQUIRE(anon);
  CHECK(anon->source == kAnonRoot + "_2fvar_2flib_2fpostgresql_2fdata");
  REQUIRE(p.volumes.size() == 1);
  CHECK(p.volumes[0].copy_image_content);
}

TEST_CASE("plan: tmpfs from volumes and from the tmpfs list", "[plan]") {
  auto p = plan_of(R"(services:
  app:
    image: busybox
    tmpfs:
      - /run:size=64m,mode=755,noexec
      - /tmp
    volumes:
      - type: tmpfs
        target: /cache
        tmpfs:
          size: 1048576
          mode: 448
)");
  REQUIRE(tmpfs_at(p, "/run"));
  CHECK(tmpfs_at(p, "/run")->size == 64ull << 20);
  CHECK(tmpfs_at(p, "/run")->mode == 0755);
  CHECK(tmpfs_at(p, "/tmp")->size == 0);
  CHECK(tmpfs_at(p, "/tmp")->mode == 01777);
  CHECK(tmpfs_at(p, "/cache")->size == 1048576);
  CHECK(tmpfs_at(p, "/cache")->mode == 0700);
  CHECK(p.warnings.empty());

  auto uid = plan_of("services:\n  app:\n    image: busybox\n    tmpfs: /data:uid=1000,exec\n");
  CHECK(warnings_of(uid) ==
        "compose.yaml:4:5: service \"app\": tmpfs option `uid=1000` for `/data` is not applied\n"
        "compose.yaml:4:5: service \"app\": tmpfs option `exec` for `/data` is not applied\n");
  CHECK(error_of("services:\n  app:\n    image: busybox\n    tmpfs: /data:size=50%\n") ==
        "compose.yaml:4:5: service \"app\": tmpfs size `50%`: a percentage is not supported");
}

TEST_CASE("plan: mounts are ordered parents first; a bind under a tmpfs is reported", "[plan]") {
  auto p = plan_of(R"(services:
  app:
    image: busybox
    tmpfs: /run
    volumes:
      - /a/b:/srv/www/static
      - /a:/srv
      - /c:/run/app
)");
  REQUIRE(p.spec.binds.size() == 3);
  CHECK(p.spec.binds[0].target == "/srv");
  CHECK(p.spec.binds[1].target == "/run/app");
  CHECK(p.spec.binds[2].target == "/srv/www/static");
  CHECK_THAT(warnings_of(p), Catch::Contains("`/run/app` is inside the tmpfs `/run`"));
}

TEST_CASE("plan: mount errors point at the volume entry", "[plan]") {
  CHECK(error_of(R"(services:
  app:
    image: busybox
    volumes:
      - /a:/data
      - /b:/data/
)") == "compose.yaml:6:9: service \"app\": duplicate mount point `/data` (first at compose.yaml:5:9)");
  CHECK(error_of("services:\n  app:\n    image: busybox\n    volumes: [\"/a:data\"]\n") ==
        "compose.yaml:4:15: service \"app\": volume target `data` is not an absolute path");
  CHECK_THAT(error_of(R"(services:
  app:
    image: busybox
    volumes: [data:/data]
volumes:
  data:
    driver: rexray
)"), Catch::StartsWith("compose.yaml:4:15: service \"app\": volume `data`: driver `rexray` is not supported"));
}

TEST_CASE("plan: local volumes with driver_opts bind a host directory or mount a tmpfs", "[plan]") {
  auto p = plan_of(R"(services:
  app:
    image: busybox
    volumes: [host:/host, mem:/mem]
volumes:
  host:
    driver: local
    driver_opts: {type: none, o: bind, device: /srv/host}
  mem:
    driver_opts: {type: tmpfs, device: tmpfs, o: "size=10m"}
)");
  CHECK(bind_at(p, "/host")->source == "/srv/host");
  CHECK(tmpfs_at(p, "/mem")->size == 10ull << 20);
  CHECK(p.volumes.empty());
  CHECK_THAT(error_of(R"(services:
  app:
    image: busybox
    volumes: [nfs:/nfs]
volumes:
  nfs:
    driver_opts: {type: nfs, o: "addr=10.0.0.1", device: ":/export"}
)"), Catch::Contains("volume `nfs`: driver_opts type `nfs` is not supported"));
}

TEST_CASE("plan: devices, device_cgroup_rules, sysctls, shm_size, init", "[plan]") {
  auto p = plan_of(R"(services:
  app:
    image: busybox
    devices: ["/dev/null:/dev/mynull:rw", /dev/zero]
    device_cgroup_rules: ["c 1:3 mr"]
    sysctls: {net.core.somaxconn: "1024"}
    shm_size: 128m
    init: true
)");
  REQUIRE(p.spec.devices.size() == 2);
  CHECK(p.spec.devices[0].host_path == "/dev/null");
  CHECK(p.spec.devices[0].container_path == "/dev/mynull");
  CHECK(p.spec.devices[0].permissions == "rw");
  CHECK(p.spec.devices[1].container_path == "/dev/zero");
  CHECK(p.spec.devices[1].permissions == "rwm");
  CHECK(p.spec.resources.device_cgroup_rules == std::vector<std::string>{"c 1:3 mr"});
  CHECK(p.spec.sysctls.at("net.core.somaxconn") == "1024");
  CHECK(p.spec.shm_size == 128ull << 20);
  CHECK(p.spec.init);
  CHECK(plan_of("services:\n  app:\n    image: busybox\n").spec.shm_size == 64ull << 20);

  CHECK(error_of("services:\n  app:\n    image: busybox\n    devices: [/dev/pier-nonexistent]\n") ==
        "compose.yaml:4:5: service \"app\": device `/dev/pier-nonexistent` does not exist on this host");
  CHECK_THAT(error_of("services:\n  app:\n    image: busybox\n    device_cgroup_rules: [\"x 1:3 r\"]\n"),
             Catch::StartsWith("compose.yaml:4:5: service \"app\": device_cgroup_rules `x 1:3 r`: "));
}

// An IPC sysctl written in a shared IPC namespace would change it for the host or for
// the container that owns it: refused where the file sets it, naming service and sysctl.
TEST_CASE("plan: IPC sysctls need the container's own IPC namespace", "[plan]") {
  CHECK(error_of("services:\n  app:\n    image: busybox\n    ipc: host\n    sysctls: {kernel.shmmax: \"1\"}\n") ==
        "compose.yaml:5:5: service \"app\": sysctls: sysctl `kernel.shmmax` belongs to the IPC namespace, and this "
        "container uses the host's (remove the sysctl, or set it on the container that owns the IPC namespace "
        "(`ipc: shareable`))");
  CHECK_THAT(error_of("services:\n  app:\n    image: busybox\n    ipc: container:legacy\n    sysctls: [fs.mqueue.msg_max=20]\n"),
             Catch::StartsWith("compose.yaml:5:5: service \"app\": sysctls: sysctl `fs.mqueue.msg_max` belongs to "
                               "the IPC namespace, and this container uses another container's"));
  CHECK_THAT(error_of("services:\n  app:\n    image: busybox\n    network_mode: host\n    sysctls: {net.core.somaxconn: \"9\"}\n"),
             Catch::Contains("sysctl `net.core.somaxconn` belongs to the network namespace, and this container uses "
                             "the host's"));
  CHECK_THAT(error_of("services:\n  app:\n    image: busybox\n    sysctls: {kernel.core_pattern: \"x\"}\n"),
             Catch::Contains("sysctl `kernel.core_pattern` is not namespaced"));
  auto own = plan_of("services:\n  app:\n    image: busybox\n    ipc: shareable\n    sysctls: {kernel.shmmax: \"1\"}\n");
  CHECK(own.spec.sysctls.at("kernel.shmmax") == "1");
}

TEST_CASE("plan: a volume subpath stays a path inside the volume for the runtime to resolve", "[plan]") {
  auto p = plan_of(R"(services:
  app:
    image: busybox
    volumes:
      - type: volume
        source: data
        target: /srv
        volume: {subpath: site/www}
volumes:
  data:
)");
  const auto* b = bind_at(p, "/srv");
  REQUIRE(b);
  CHECK(b->source == "/tmp/pier-plan-test-root/volumes/proj_data/_data");
  CHECK(b->subpath == "site/www");
  REQUIRE(p.volumes.size() == 1);
  CHECK_FALSE(p.volumes[0].copy_image_content);
  CHECK(error_of(R"(services:
  app:
    image: busybox
    volumes:
      - type: volume
        source: data
        target: /srv
        volume: {subpath: ../x}
volumes:
  data:
)") == "compose.yaml:5:9: service \"app\": volume subpath `../x` must be a plain relative path");
}
