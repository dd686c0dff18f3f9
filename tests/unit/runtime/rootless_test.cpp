// What a rootless pier decides as data: the keep-id maps from pier's own id maps, the
// cgroup delegated to the user (if any), the limits left unapplied, and the mount rows
// that change when pier itself runs in a user namespace.
#include <catch2/catch.hpp>
#include <sys/mount.h>
#include <sys/stat.h>

#include <algorithm>
#include <set>

#include "runtime/cgroup/manager.h"
#include "runtime/id_map.h"
#include "runtime/mount/plan.h"
#include "runtime/plan_builder.h"

using namespace pier::runtime;

namespace {

std::string text(const std::vector<IdMap>& map) {
  std::string out;
  for (const auto& m : map) out += std::to_string(m.container_id) + " " + std::to_string(m.host_id) + " " +
                                   std::to_string(m.size) + "\n";
  return out;
}

}  // namespace

TEST_CASE("keep-id: the user's id maps to pier's root, the others follow in order (Podman's layout)", "[runtime][rootless]") {
  auto keep = keep_id_map("         0       1000          1\n         1     100000      65536\n").value();
  CHECK(keep.host_id == 1000);
  CHECK(text(keep.map) == "1000 0 1\n0 1 1000\n1001 1001 64536\n");
}

TEST_CASE("keep-id over a single-id map keeps only the user", "[runtime][rootless]") {
  auto keep = keep_id_map("0 1002 1\n").value();
  CHECK(keep.host_id == 1002);
  CHECK(text(keep.map) == "1002 0 1\n");
  CHECK_FALSE(maps_container_id(keep.map, 0));
  CHECK(maps_container_id(keep.map, 1002));
}

TEST_CASE("keep-id: a uid beyond the subordinate range, and ranges out of order", "[runtime][rootless]") {
  // 5 ids besides root: container 0..4 take them all; the user stays 70000 -> 0.
  auto keep = keep_id_map("3 200002 3\n0 70000 1\n1 200000 2\n").value();
  CHECK(keep.host_id == 70000);
  CHECK(text(keep.map) == "70000 0 1\n0 1 2\n2 3 3\n");
}

TEST_CASE("keep-id: every container id is mapped once and every pier id at most once", "[runtime][rootless]") {
  auto keep = keep_id_map("0 1000 1\n1 100000 65536\n").value();
  std::set<uint64_t> inside, outside;
  uint64_t total = 0;
  for (const auto& m : keep.map)
    for (uint32_t i = 0; i < m.size; ++i) {
      CHECK(inside.insert(m.container_id + i).second);
      CHECK(outside.insert(m.host_id + i).second);
      ++total;
    }
  CHECK(total == 65537);
}

TEST_CASE("keep-id: a map without root, or malformed, is an error", "[runtime][rootless]") {
  CHECK_FALSE(keep_id_map("1 100000 65536\n").ok());
  CHECK_THAT(keep_id_map("0 1000\n").error().to_string(), Catch::Contains("`0 1000`"));
  CHECK_FALSE(parse_id_map("0 4294967295 2\n").ok());
  CHECK(maps_inside(parse_id_map("0 1000 1\n1 100000 65536\n").value(), 5));
  CHECK_FALSE(maps_inside(parse_id_map("0 1000 1\n").value(), 5));
}

static std::set<std::string> delegated_dirs(std::initializer_list<const char*> dirs) {
  std::set<std::string> out;
  for (const char* d : dirs)
    for (const char* f : {"", "/cgroup.procs", "/cgroup.subtree_control"}) out.insert(std::string(d) + f);
  return out;
}

TEST_CASE("delegated cgroup: the top of the user's subtree holding this process", "[runtime][rootless]") {
  auto owned = delegated_dirs({"/sys/fs/cgroup/user.slice/u/app.scope"});
  auto is_owned = [&](const std::string& p) { return owned.count(p) > 0; };
  CHECK(delegated_cgroup("/sys/fs/cgroup", "0::/user.slice/u/app.scope\n", is_owned) ==
        "/sys/fs/cgroup/user.slice/u/app.scope");
  // systemd's user@.service: the service is delegated, pier runs in a scope below it.
  owned = delegated_dirs({"/sys/fs/cgroup/user.slice/u", "/sys/fs/cgroup/user.slice/u/app.slice",
                          "/sys/fs/cgroup/user.slice/u/app.slice/x.scope"});
  CHECK(delegated_cgroup("/sys/fs/cgroup", "0::/user.slice/u/app.slice/x.scope\n", is_owned) ==
        "/sys/fs/cgroup/user.slice/u");
  // A delegated root owned by the user is the whole hierarchy: a user namespace's root.
  owned = delegated_dirs({"/sys/fs/cgroup", "/sys/fs/cgroup/d"});
  CHECK(delegated_cgroup("/sys/fs/cgroup", "0::/d\n", is_owned) == "/sys/fs/cgroup");
  // A hybrid host: v1 lines first, the unified hierarchy mounted elsewhere.
  auto hybrid = delegated_dirs({"/sys/fs/cgroup/unified/d"});
  CHECK(delegated_cgroup("/sys/fs/cgroup/unified", "4:memory:/x\n1:cpu:/\n0::/d\n",
                         [&](const std::string& p) { return hybrid.count(p) > 0; }) == "/sys/fs/cgroup/unified/d");
}

TEST_CASE("delegated cgroup: none when root owns it, a file of it, or there is no v2 hierarchy", "[runtime][rootless]") {
  auto nothing = [](const std::string&) { return false; };
  CHECK(delegated_cgroup("/sys/fs/cgroup", "0::/\n", nothing).empty());
  // The directory alone is not enough: cgroup.procs decides where processes may move.
  auto dir_only = [](const std::string& p) { return p == "/sys/fs/cgroup/d"; };
  CHECK(delegated_cgroup("/sys/fs/cgroup", "0::/d\n", dir_only).empty());
  auto everything = [](const std::string&) { return true; };
  CHECK(delegated_cgroup("", "0::/d\n", everything).empty());
  CHECK(delegated_cgroup("/sys/fs/cgroup", "4:memory:/d\n", everything).empty());
  CHECK(delegated_cgroup("/sys/fs/cgroup", "0::/d/../e\n", everything).empty());
}

TEST_CASE("ignored limits: those whose controller is not delegated", "[runtime][rootless]") {
  Resources r;
  r.memory = 64 << 20;
  r.cpus = 0.5;
  r.pids_limit = 10;
  r.device_cgroup_rules = {"c 1:3 rwm"};
  CHECK(ignored_limits(r, {}) == std::vector<std::string>{"memory", "cpus", "pids_limit", "device_cgroup_rules"});
  CHECK(ignored_limits(r, {"memory", "pids"}) == std::vector<std::string>{"cpus", "device_cgroup_rules"});
  CHECK(ignored_limits(r, {"memory", "cpu", "cpuset", "pids", "io", "devices"}).empty());
  CHECK(ignored_limits(Resources{}, {}).empty());
}

TEST_CASE("pier in a user namespace: default nodes are bound, sysfs bound without its own netns", "[runtime][rootless]") {
  ContainerSpec spec;
  spec.project = "p";
  spec.name = "c";
  spec.process.argv = {"/bin/true"};
  spec.namespaces.net = NamespaceMode::host();
  spec.namespaces.ipc = NamespaceMode::host();
  HostFacts facts;
  facts.in_user_namespace = true;
  facts.tty_gid_mapped = false;
  facts.cgroup_mounts = {{"", "cgroup2", ""}};
  auto t = build_mount_table(spec, facts).value();
  auto find = [&](const std::string& target) {
    return std::find_if(t.begin(), t.end(), [&](const MountOp& op) { return op.target == target; });
  };
  for (const char* node : {"/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty"}) {
    auto op = find(node);
    REQUIRE(op != t.end());
    CHECK(op->kind == OpKind::bind);
    CHECK(op->source == node);
  }
  auto sys = find("/sys");
  REQUIRE(sys != t.end());
  CHECK(sys->kind == OpKind::bind);
  CHECK((sys->flags & MS_RDONLY) != 0);
  CHECK(find("/dev/mqueue") == t.end());      // the host's IPC namespace is not ours
  CHECK(find("/sys/fs/cgroup") == t.end());   // never mounted from a user namespace
  auto pts = find("/dev/pts");
  REQUIRE(pts != t.end());
  CHECK(pts->data.find("gid=5") == std::string::npos);

  // Its own network and IPC namespaces (owned by pier's user namespace): fresh mounts.
  spec.namespaces.net = NamespaceMode{};
  spec.namespaces.ipc = NamespaceMode{};
  facts.tty_gid_mapped = true;
  t = build_mount_table(spec, facts).value();
  CHECK(find("/sys")->kind == OpKind::mount);
  CHECK(find("/dev/mqueue") != t.end());
  CHECK(find("/dev/pts")->data.find("gid=5") != std::string::npos);
}

TEST_CASE("a container's own user namespace cannot join a namespace held elsewhere", "[runtime][rootless]") {
  Namespaces ns;
  ns.user.enabled = true;
  ns.user.uid_map = {{1000, 0, 1}};
  ns.user.gid_map = {{1000, 0, 1}};
  ns.net = NamespaceMode::at("/proc/self/ns/net", true);
  ContainerPlan plan;
  std::vector<pier::UniqueFd> fds;
  auto st = plan_namespaces(plan, ns, fds);
  REQUIRE_FALSE(st.ok());
  CHECK_THAT(st.error().to_string(), Catch::Contains("joining another network namespace"));
  // Its own namespaces: fine, and with no root mapped the child sets up as the user.
  ns.net = NamespaceMode{};
  ContainerPlan own;
  REQUIRE(plan_namespaces(own, ns, fds).ok());
  CHECK(own.user_ns);
  CHECK_FALSE(own.become_root);
}
