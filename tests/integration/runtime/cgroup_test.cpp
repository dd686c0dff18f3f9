// cgroups: limits enforced (OOM, pids), values written, stats, freeze, no leftovers.
#include <catch2/catch.hpp>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

#include "integration/support/rootfs.h"
#include "runtime/cgroup/manager.h"

using namespace pier;
using pier::test::TestRoot;

namespace {
std::string read_line(const std::string& path) {
  std::ifstream in(path);
  std::string s;
  std::getline(in, s);
  return s;
}
}  // namespace

TEST_CASE("memory limit: an OOM kill is observed", "[root][runtime][cgroup]") {
  if (!test::running_as_root()) PIER_SKIP("needs root");
  TestRoot t;
  auto spec = t.spec({"alloc", "256"});
  spec.resources.memory = 32 << 20;
  spec.resources.memory_swap = 32 << 20;  // no swap either
  auto c = runtime::spawn(spec);
  if (!c && c.error().to_string().find("memsw") != std::string::npos)
    PIER_SKIP("no swap accounting on this kernel: " + c.error().to_string());
  REQUIRE(c.ok());
  auto code = runtime::wait(c->pidfd.get());
  CHECK(code.value() == 137);
  auto* mgr = runtime::cgroup_manager().value();
  auto stats = mgr->stats(c->cgroup);
  REQUIRE(stats.ok());
  CHECK(stats->memory_limit == (32u << 20));
  CHECK(stats->oom_kills >= 1);
  CHECK(runtime::destroy(spec.project, spec.name, spec.state_dir).ok());
}

TEST_CASE("pids limit stops a fork bomb", "[root][runtime][cgroup]") {
  if (!test::running_as_root()) PIER_SKIP("needs root");
  TestRoot t;
  auto spec = t.spec({"fork", "40"});
  spec.resources.pids_limit = 10;
  auto r = t.run(spec);
  INFO(r.error << r.output);
  CHECK(r["forked"] == "9");
  CHECK(r["fork_errno"] == "11");  // EAGAIN
}

TEST_CASE("cpu, cpuset, shares and reservation land in the cgroup files", "[root][runtime][cgroup]") {
  if (!test::running_as_root()) PIER_SKIP("needs root");
  auto* mgr = runtime::cgroup_manager().value();
  if (std::string(mgr->name()) != "v1") PIER_SKIP("file layout checked for v1 (this host)");
  TestRoot t;
  auto spec = t.spec({"pause"});
  spec.resources.cpus = 0.5;
  spec.resources.cpu_shares = 512;
  spec.resources.cpuset_cpus = "0";
  spec.resources.memory_reservation = 16 << 20;
  // A weight needs a proportional I/O scheduler (CFQ, BFQ) on the host; without one the
  // start is refused with a hint, which is checked below instead.
  const bool has_io_weight = access("/sys/fs/cgroup/blkio/blkio.weight", F_OK) == 0 ||
                             access("/sys/fs/cgroup/blkio/blkio.bfq.weight", F_OK) == 0;
  if (has_io_weight) spec.resources.blkio_weight = 300;
  auto c = runtime::spawn(spec);
  INFO((c.ok() ? std::string() : c.error().to_string()));
  REQUIRE(c.ok());
  std::string rel = "/" + c->cgroup;
  // blkio_config.weight: blkio.weight (CFQ) where the kernel has it, else BFQ's file.
  std::string blkio = "/sys/fs/cgroup/blkio" + rel;
  if (has_io_weight)
    CHECK(read_line(access((blkio + "/blkio.weight").c_str(), F_OK) == 0 ? blkio + "/blkio.weight"
                                                                           : blkio + "/blkio.bfq.weight") == "300");
  CHECK(read_line("/sys/fs/cgroup/cpu" + rel + "/cpu.cfs_quota_us") == "50000");
  CHECK(read_line("/sys/fs/cgroup/cpu" + rel + "/cpu.shares") == "512");
  CHECK(read_line("/sys/fs/cgroup/cpuset" + rel + "/cpuset.cpus") == "0");
  CHECK(read_line("/sys/fs/cgroup/memory" + rel + "/memory.soft_limit_in_bytes") == std::to_string(16 << 20));
  auto procs = mgr->processes(c->cgroup);
  REQUIRE(procs.ok());
  CHECK(procs->size() == 1);
  CHECK(procs->front() == c->pid);
  auto stats = mgr->stats(c->cgroup);
  CHECK(stats->pids_current == 1);
  CHECK(stats->memory_usage > 0);
  REQUIRE(runtime::destroy(spec.project, spec.name, spec.state_dir).ok());
  CHECK_FALSE(mgr->exists(c->cgroup));
  if (!has_io_weight) {
    auto weighted = t.spec({"pause"});
    weighted.resources.blkio_weight = 300;
    auto refused = runtime::spawn(weighted);
    REQUIRE_FALSE(refused.ok());
    CHECK_THAT(refused.error().to_string(), Catch::Contains("must be bfq (or cfq) for a weight"));
    CHECK_FALSE(mgr->exists(runtime::cgroup_name(weighted.project, weighted.name)));
  }
}

TEST_CASE("freeze and thaw a container", "[root][runtime][cgroup]") {
  if (!test::running_as_root()) PIER_SKIP("needs root");
  auto* mgr = runtime::cgroup_manager().value();
  TestRoot t;
  auto spec = t.spec({"pause"});
  auto c = runtime::spawn(spec);
  REQUIRE(c.ok());
  REQUIRE(runtime::pause(*c).ok());
  if (std::string(mgr->name()) == "v1")
    CHECK(read_line("/sys/fs/cgroup/freezer/" + c->cgroup + "/freezer.state") == "FROZEN");
  CHECK(runtime::resume(*c).ok());
  if (std::string(mgr->name()) == "v1")
    CHECK(read_line("/sys/fs/cgroup/freezer/" + c->cgroup + "/freezer.state") == "THAWED");
  REQUIRE(runtime::kill(*c, SIGKILL).ok());
  CHECK(runtime::wait(c->pidfd.get()).value() == 137);
  CHECK(runtime::destroy(spec.project, spec.name, spec.state_dir).ok());
}

TEST_CASE("devices: default nodes usable, others denied, listed devices allowed", "[root][runtime][cgroup]") {
  if (!test::running_as_root()) PIER_SKIP("needs root");
  if (access("/dev/loop0", F_OK) != 0) PIER_SKIP("host has no /dev/loop0 to test with");
  TestRoot t;
  auto denied = t.spec({});
  denied.process.argv = {"/bin/sh", "-c", "mknod /dev/l b 7 0 && /probe read /dev/l rw /dev/zero"};
  auto r = t.run(denied);
  INFO(r.error << r.output);
  CHECK(r["read /dev/l"] == "1");  // EPERM from the device cgroup
  CHECK(r["rw /dev/zero"] == "0");
  auto allowed = t.spec({"read", "/dev/loop0", "read", "/dev/net/tun"});
  allowed.devices = {{"/dev/loop0", "", "rwm"}};
  if (access("/dev/net/tun", F_OK) == 0) allowed.devices.push_back({"/dev/net", "", "rwm"});
  auto a = t.run(allowed);
  INFO(a.error << a.output);
  CHECK(a["read /dev/loop0"] == "0");
  if (access("/dev/net/tun", F_OK) == 0) CHECK(a["read /dev/net/tun"] == "0");
  auto rule = t.spec({});
  rule.resources.device_cgroup_rules = {"b 7:0 r"};
  rule.process.argv = {"/bin/sh", "-c", "mknod /dev/l b 7 0 && /probe read /dev/l rw /dev/l"};
  auto ru = t.run(rule);
  CHECK(ru["read /dev/l"] == "0");
  CHECK(ru["rw /dev/l"] == "1");
}

TEST_CASE("destroy is idempotent and works without the spawning handle", "[root][runtime][cgroup]") {
  if (!test::running_as_root()) PIER_SKIP("needs root");
  auto* mgr = runtime::cgroup_manager().value();
  TestRoot t;
  auto spec = t.spec({});
  spec.init = true;
  spec.process.argv = {"/bin/sh", "-c", "/probe pause & /probe pause"};
  std::string rel;
  pid_t pid = 0;
  {
    auto c = runtime::spawn(spec);
    REQUIRE(c.ok());
    rel = c->cgroup;
    pid = c->pid;
  }  // the handle (pidfd) is gone, as after a supervisor crash
  REQUIRE(runtime::destroy(spec.project, spec.name, spec.state_dir).ok());
  CHECK_FALSE(mgr->exists(rel));
  // We are still its parent here (a crashed supervisor would not be): reap and check.
  // The cgroup empties before the killed process becomes a zombie (cgroup_exit comes
  // before exit_notify), so the reap may have to wait a moment: bounded, 2 s.
  int status = 0;
  pid_t reaped = 0;
  for (int i = 0; i < 2000 && reaped == 0; ++i) {
    reaped = ::waitpid(pid, &status, WNOHANG);
    if (reaped == 0) ::usleep(1000);
  }
  CHECK(reaped == pid);
  CHECK((WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL));
  CHECK(runtime::destroy(spec.project, spec.name, spec.state_dir).ok());
  CHECK(test::count_mounts_under(t.path()) == 0);
}

TEST_CASE("starting a container twice under one name is refused", "[root][runtime][cgroup]") {
  if (!test::running_as_root()) PIER_SKIP("needs root");
  TestRoot t;
  auto spec = t.spec({"pause"});
  auto c = runtime::spawn(spec);
  REQUIRE(c.ok());
  auto again = runtime::spawn(spec);
  CHECK_FALSE(again.ok());
  if (!again.ok()) CHECK_THAT(again.error().to_string(), Catch::Contains("already exists"));
  CHECK(runtime::destroy(spec.project, spec.name, spec.state_dir).ok());
}

TEST_CASE("/sys/fs/cgroup shows the container's own cgroup, read-only", "[root][runtime][cgroup]") {
  if (!test::running_as_root()) PIER_SKIP("needs root");
  auto* mgr = runtime::cgroup_manager().value();
  TestRoot t;
  auto spec = t.spec({"cat", "/proc/self/cgroup", "write", "/sys/fs/cgroup/x"});
  spec.resources.memory = 48 << 20;
  std::string limit_file = std::string(mgr->name()) == "v1" ? "/sys/fs/cgroup/memory/memory.limit_in_bytes"
                                                          : "/sys/fs/cgroup/memory.max";
  spec.process.argv.push_back("cat");
  spec.process.argv.push_back(limit_file);
  auto r = t.run(spec);
  INFO(r.error << r.output);
  CHECK(r["cat " + limit_file] == std::to_string(48 << 20));
  CHECK(r["write /sys/fs/cgroup/x"] == "30");
}

TEST_CASE("destroy refuses an empty or odd container name and leaves the project's cgroup", "[root][runtime][cgroup]") {
  if (!test::running_as_root()) PIER_SKIP("needs root");
  auto* mgr = runtime::cgroup_manager().value();
  TestRoot t;
  auto r = t.run(t.spec({"true"}));
  INFO(r.error << r.output);
  // The container is gone; its project's cgroup stays for the next one.
  const std::string project_cgroup = "pier/" + t.project();
  REQUIRE(mgr->exists(project_cgroup));
  // An empty name would aim the kill and the rmdir at the project's cgroup itself.
  for (const char* name : {"", ".", "..", "a/b"}) {
    auto st = runtime::destroy(t.project(), name, "");
    CHECK_FALSE(st.ok());
    CHECK(mgr->exists(project_cgroup));
  }
  CHECK_FALSE(runtime::destroy("", "x", "").ok());
}
