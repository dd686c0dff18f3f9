// The v2 backend against a temp dir laid out like a unified cgroupfs, and the choice of
// backend from mount tables of each kind of host (no root needed).
#include <catch2/catch.hpp>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "runtime/cgroup/manager.h"

using namespace pier::runtime;
namespace fs = std::filesystem;

namespace {

struct FakeUnified {
  std::string root;
  FakeUnified() {
    char tmpl[] = "/tmp/pier-unit-cg2-XXXXXX";
    root = ::mkdtemp(tmpl);
    write("cgroup.controllers", "cpuset cpu io memory hugetlb pids\n");
    write("cgroup.subtree_control", "");
  }
  ~FakeUnified() { fs::remove_all(root); }
  // cgroupfs makes the control files of a new directory; the fake makes them first.
  void prepare(const std::string& rel, std::initializer_list<const char*> extra = {}) {
    for (const char* part : {"pier", "pier/p"}) {
      fs::create_directories(root + "/" + part);
      write(std::string(part) + "/cgroup.subtree_control", "");
    }
    fs::create_directories(root + "/" + rel);
    for (const char* f : {"memory.max", "memory.swap.max", "memory.low", "cpu.max", "cpu.weight", "cpuset.cpus",
                          "cpuset.mems", "pids.max", "io.weight", "cgroup.procs", "cgroup.freeze", "cgroup.kill"})
      write(rel + "/" + f, "");
    for (const char* f : extra) write(rel + "/" + f, "");
  }
  void write(const std::string& path, const std::string& text) { std::ofstream(root + "/" + path) << text; }
  std::string read(const std::string& path) {
    std::ifstream in(root + "/" + path);
    return std::string((std::istreambuf_iterator<char>(in)), {});
  }
};

}  // namespace

TEST_CASE("v2 writes each limit to its unified file and delegates controllers", "[runtime][cgroup]") {
  FakeUnified fake;
  auto mgr = make_cgroup_v2(fake.root);
  CHECK(std::string(mgr->name()) == "v2");
  std::string rel = cgroup_name("p", "c");
  fake.prepare(rel);
  Resources res;
  res.memory = 64 << 20;
  res.memory_swap = 96 << 20;  // memory+swap: swap.max is the difference
  res.memory_reservation = 32 << 20;
  res.cpus = 1.5;
  res.cpu_shares = 1024;
  res.cpuset_cpus = "0-1";
  res.cpuset_mems = "0";
  res.pids_limit = 50;
  res.blkio_weight = 500;
  auto created = mgr->create(rel, res, {});
  INFO((created.ok() ? std::string() : created.error().to_string()));
  REQUIRE(created.ok());
  CHECK(fake.read("pier/p/c/memory.max") == "67108864");
  CHECK(fake.read("pier/p/c/memory.swap.max") == "33554432");
  CHECK(fake.read("pier/p/c/memory.low") == "33554432");
  CHECK(fake.read("pier/p/c/cpu.max") == "150000 100000");
  CHECK(fake.read("pier/p/c/cpu.weight") == "39");  // runc's shares -> weight: 1024 -> 39
  CHECK(fake.read("pier/p/c/cpuset.cpus") == "0-1");
  CHECK(fake.read("pier/p/c/cpuset.mems") == "0");
  CHECK(fake.read("pier/p/c/pids.max") == "50");
  // blkio weight 10..1000 -> io.weight 1..10000 by runc's and crun's formula.
  CHECK(fake.read("pier/p/c/io.weight") == "default 4950");
  // Each ancestor delegates the root's controllers to its children.
  for (const char* level : {"", "pier/", "pier/p/"})
    CHECK_FALSE(fake.read(std::string(level) + "cgroup.subtree_control").empty());
  REQUIRE(mgr->add_process(rel, 42).ok());
  CHECK(fake.read("pier/p/c/cgroup.procs") == "42");
  CHECK(mgr->exists(rel));
}

TEST_CASE("v2 unlimited values, weights at the ends, and bfq", "[runtime][cgroup]") {
  FakeUnified fake;
  auto mgr = make_cgroup_v2(fake.root);
  std::string rel = cgroup_name("p", "u");
  fake.prepare(rel, {"io.bfq.weight"});
  Resources res;
  res.memory = 8 << 20;
  res.memory_swap = -1;
  res.pids_limit = -1;
  res.cpu_shares = 2;
  res.blkio_weight = 10;
  REQUIRE(mgr->create(rel, res, {}).ok());
  CHECK(fake.read("pier/p/u/memory.swap.max") == "max");
  CHECK(fake.read("pier/p/u/pids.max") == "max");
  CHECK(fake.read("pier/p/u/cpu.weight") == "1");
  // BFQ takes the blkio weight as it is; io.weight is left alone.
  CHECK(fake.read("pier/p/u/io.bfq.weight") == "10");
  CHECK(fake.read("pier/p/u/io.weight").empty());

  std::string rel2 = cgroup_name("p", "w");
  fake.prepare(rel2);
  Resources top;
  top.cpu_shares = 262144;
  top.blkio_weight = 1000;
  REQUIRE(mgr->create(rel2, top, {}).ok());
  CHECK(fake.read("pier/p/w/cpu.weight") == "10000");
  CHECK(fake.read("pier/p/w/io.weight") == "default 10000");
}

TEST_CASE("v2 names the file a limit could not be written to", "[runtime][cgroup]") {
  FakeUnified fake;
  auto mgr = make_cgroup_v2(fake.root);
  std::string rel = cgroup_name("p", "m");
  fake.prepare(rel);
  fs::remove(fake.root + "/pier/p/m/memory.max");  // no memory controller delegated
  Resources res;
  res.memory = 8 << 20;
  auto created = mgr->create(rel, res, {});
  REQUIRE_FALSE(created.ok());
  CHECK_THAT(created.error().to_string(), Catch::Contains("pier/p/m/memory.max"));
}

// A directory that is not a cgroup takes no device program (and an unprivileged test
// may not load one): either way the container must not start unconfined.
TEST_CASE("v2 fails closed when the device program cannot be attached", "[runtime][cgroup]") {
  FakeUnified fake;
  auto mgr = make_cgroup_v2(fake.root);
  std::string rel = cgroup_name("p", "d");
  fake.prepare(rel);
  auto created = mgr->create(rel, {}, default_device_rules(false));
  REQUIRE_FALSE(created.ok());
  CHECK_THAT(created.error().to_string(), Catch::Contains("device program"));
  CHECK_THAT(created.error().to_string(), Catch::Contains("pier/p/d"));
}

TEST_CASE("v2 freeze waits for cgroup.events, thaw likewise", "[runtime][cgroup]") {
  FakeUnified fake;
  auto mgr = make_cgroup_v2(fake.root);
  std::string rel = cgroup_name("p", "f");
  fake.prepare(rel);
  fake.write(rel + "/cgroup.events", "populated 1\nfrozen 1\n");
  REQUIRE(mgr->freeze(rel, true).ok());
  CHECK(fake.read("pier/p/f/cgroup.freeze") == "1");
  // The kernel never reports thawed: freeze gives up after a bound, naming the cgroup.
  auto stuck = mgr->freeze(rel, false);
  REQUIRE_FALSE(stuck.ok());
  CHECK_THAT(stuck.error().to_string(), Catch::Contains("pier/p/f") && Catch::Contains("did not settle"));
  fake.write(rel + "/cgroup.events", "populated 1\nfrozen 0\n");
  REQUIRE(mgr->freeze(rel, false).ok());
  CHECK(fake.read("pier/p/f/cgroup.freeze") == "0");
}

TEST_CASE("v2 kill uses cgroup.kill, else SIGKILLs each listed process", "[runtime][cgroup]") {
  FakeUnified fake;
  auto mgr = make_cgroup_v2(fake.root);
  std::string rel = cgroup_name("p", "k");
  fake.prepare(rel);
  fake.write(rel + "/cgroup.events", "populated 0\nfrozen 0\n");
  REQUIRE(mgr->kill_all(rel).ok());
  CHECK(fake.read("pier/p/k/cgroup.kill") == "1");

  // A kernel before 5.14 has no cgroup.kill: the backend kills what cgroup.procs lists.
  fs::remove(fake.root + "/" + rel + "/cgroup.kill");
  pid_t child = fork();
  if (child == 0) {
    for (;;) pause();
  }
  REQUIRE(child > 0);
  fake.write(rel + "/cgroup.procs", std::to_string(child) + "\n");
  REQUIRE(mgr->kill_all(rel).ok());
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  CHECK(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGKILL);

  // Still populated after the bound: an error naming the cgroup.
  fake.write(rel + "/cgroup.procs", "");
  fake.write(rel + "/cgroup.events", "populated 1\nfrozen 0\n");
  auto remains = mgr->kill_all(rel);
  REQUIRE_FALSE(remains.ok());
  CHECK_THAT(remains.error().to_string(), Catch::Contains("pier/p/k") && Catch::Contains("processes remain"));
  // Nothing to kill in a cgroup that does not exist.
  CHECK(mgr->kill_all(cgroup_name("p", "absent")).ok());
}

TEST_CASE("v2 stats read the unified files", "[runtime][cgroup]") {
  FakeUnified fake;
  auto mgr = make_cgroup_v2(fake.root);
  std::string rel = cgroup_name("p", "s");
  fake.prepare(rel);
  fake.write(rel + "/memory.current", "1234\n");
  fake.write(rel + "/memory.max", "max\n");
  fake.write(rel + "/cpu.stat", "usage_usec 7\nuser_usec 5\n");
  fake.write(rel + "/pids.current", "3\n");
  fake.write(rel + "/memory.events", "low 0\noom 1\noom_kill 2\n");
  fake.write(rel + "/memory.stat", "anon 100\nfile 300\nactive_file 100\ninactive_file 200\n");
  fake.write(rel + "/io.stat", "8:0 rbytes=4096 wbytes=512 rios=1 wios=1 dbytes=0 dios=0\n"
                               "8:16 rbytes=1 wbytes=2 rios=1 wios=1 dbytes=0 dios=0\n");
  auto s = mgr->stats(rel);
  REQUIRE(s.ok());
  CHECK(s->memory_usage == 1234);
  CHECK(s->memory_limit == 0);
  CHECK(s->memory_inactive_file == 200);
  CHECK(s->cpu_usage_ns == 7000);
  CHECK(s->pids_current == 3);
  CHECK(s->oom_kills == 2);
  CHECK(s->io_read_bytes == 4097);
  CHECK(s->io_write_bytes == 514);
}

TEST_CASE("block I/O counters of both versions sum every device", "[runtime][cgroup]") {
  auto v2 = parse_io_stat("259:0 rbytes=10 wbytes=20 rios=1 wios=2\n8:0 rbytes=5 wbytes=0\n");
  CHECK(v2.read == 15);
  CHECK(v2.write == 20);
  auto v1 = parse_blkio_service_bytes("8:0 Read 100\n8:0 Write 7\n8:0 Sync 107\n8:0 Total 107\n"
                                      "8:16 Read 1\n8:16 Write 1\nTotal 109\n");
  CHECK(v1.read == 101);
  CHECK(v1.write == 8);
  CHECK(parse_io_stat("").read == 0);
  CHECK(parse_blkio_service_bytes("Total 0\n").write == 0);
}

namespace {

// Mount tables of the host kinds pier meets.
const char* kPureV2 = "30 23 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n";
const char* kThisHost =  // v1 controllers, cpu and cpuacct apart, a cgroup2 with hugetlb only
    "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
    "33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"
    "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
    "39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
    "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
    "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";
const char* kHybridV2Resources =  // systemd's hybrid with the resources moved to v2
    "31 23 0:28 / /sys/fs/cgroup rw - tmpfs tmpfs rw,mode=755\n"
    "40 31 0:37 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,xattr,name=systemd\n"
    "41 31 0:38 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw,nsdelegate\n"
    "42 31 0:39 / /sys/fs/cgroup/net_cls rw - cgroup cgroup rw,net_cls\n";

}  // namespace

TEST_CASE("cgroup backend: chosen from the mount table and the unified controllers", "[runtime][cgroup]") {
  std::map<std::string, std::string> controllers;
  auto read = [&](const std::string& mount) { return controllers[mount]; };

  auto pure = choose_cgroup_layout(true, "", read);
  CHECK(pure.kind == CgroupLayout::Kind::v2);
  CHECK(pure.v2_root == "/sys/fs/cgroup");

  // A cgroup2 mount only shows up in mountinfo when /sys/fs/cgroup is not statfs'd v2
  // (a container, or a test): still v2.
  auto mounted = choose_cgroup_layout(false, kPureV2, read);
  CHECK(mounted.kind == CgroupLayout::Kind::v2);
  CHECK(mounted.v2_root == "/sys/fs/cgroup");

  controllers["/sys/fs/cgroup/unified"] = "hugetlb\n";
  auto here = choose_cgroup_layout(false, kThisHost, read);
  REQUIRE(here.kind == CgroupLayout::Kind::v1);
  REQUIRE(here.v1.size() == 4);  // name=systemd carries no controller
  CHECK(here.v1[0].controllers == "cpu");
  CHECK(here.v1[1].controllers == "cpuacct");
  CHECK(here.v1[1].root == "/sys/fs/cgroup/cpuacct");
  CHECK(here.v1[3].controllers == "pids");

  controllers["/sys/fs/cgroup/unified"] = "cpuset cpu io memory hugetlb pids rdma misc\n";
  auto hybrid = choose_cgroup_layout(false, kHybridV2Resources, read);
  CHECK(hybrid.kind == CgroupLayout::Kind::v2);
  CHECK(hybrid.v2_root == "/sys/fs/cgroup/unified");
  // The same unified controllers win over v1 memory and pids hierarchies too.
  CHECK(choose_cgroup_layout(false, kThisHost, read).kind == CgroupLayout::Kind::v2);

  auto none = choose_cgroup_layout(false, "25 1 0:5 / /proc rw - proc proc rw\n", read);
  CHECK(none.kind == CgroupLayout::Kind::none);
}
