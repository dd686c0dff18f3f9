// The v1 backend against a temp dir laid out like cgroupfs (no root needed).
#include <catch2/catch.hpp>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "runtime/cgroup/manager.h"

using namespace pier::runtime;
namespace fs = std::filesystem;

namespace {

struct FakeCgroupfs {
  std::string root;
  FakeCgroupfs() {
    char tmpl[] = "/tmp/pier-unit-cg-XXXXXX";
    root = ::mkdtemp(tmpl);
    for (const char* h : {"memory", "cpu", "cpuset", "pids", "devices"}) fs::create_directories(root + "/" + h);
    std::ofstream(root + "/cpuset/cpuset.cpus") << "0-1\n";
    std::ofstream(root + "/cpuset/cpuset.mems") << "0\n";
  }
  ~FakeCgroupfs() { fs::remove_all(root); }
  // cgroupfs creates control files in a new directory; the fake pre-creates them.
  void prepare(const std::string& rel) {
    auto touch = [&](const std::string& h, std::initializer_list<const char*> files) {
      std::string dir = root + "/" + h + "/" + rel;
      fs::create_directories(dir);
      std::string parent = root + "/" + h;
      for (const auto& part : {std::string("pier"), std::string("pier/p")}) {
        for (const char* f : files) std::ofstream(parent + "/" + part + "/" + f, std::ios::app);
      }
      for (const char* f : files) std::ofstream(dir + "/" + f, std::ios::app);
    };
    touch("memory", {"memory.limit_in_bytes", "memory.soft_limit_in_bytes", "cgroup.procs"});
    touch("cpu", {"cpu.cfs_period_us", "cpu.cfs_quota_us", "cpu.shares", "cgroup.procs"});
    touch("cpuset", {"cpuset.cpus", "cpuset.mems", "cgroup.procs"});
    touch("pids", {"pids.max", "cgroup.procs"});
    touch("devices", {"devices.allow", "devices.deny", "cgroup.procs"});
  }
  std::string read(const std::string& path) {
    std::ifstream in(root + "/" + path);
    std::string s((std::istreambuf_iterator<char>(in)), {});
    return s;
  }
};

}  // namespace

TEST_CASE("v1 writes each limit to its hierarchy", "[runtime][cgroup]") {
  FakeCgroupfs fake;
  auto mgr = make_cgroup_v1({{"memory", fake.root + "/memory"},
                             {"cpu", fake.root + "/cpu"},
                             {"cpuset", fake.root + "/cpuset"},
                             {"pids", fake.root + "/pids"},
                             {"devices", fake.root + "/devices"}});
  std::string rel = cgroup_name("p", "c");
  CHECK(rel == "pier/p/c");
  fake.prepare(rel);
  Resources res;
  res.memory = 1 << 20;
  res.memory_reservation = 1 << 19;
  res.cpus = 1.5;
  res.cpu_shares = 256;
  res.pids_limit = 0;
  REQUIRE(mgr->create(rel, res, default_device_rules(false)).ok());
  CHECK(fake.read("memory/pier/p/c/memory.limit_in_bytes") == "1048576");
  CHECK(fake.read("memory/pier/p/c/memory.soft_limit_in_bytes") == "524288");
  CHECK(fake.read("cpu/pier/p/c/cpu.cfs_quota_us") == "150000");
  CHECK(fake.read("cpu/pier/p/c/cpu.cfs_period_us") == "100000");
  CHECK(fake.read("cpu/pier/p/c/cpu.shares") == "256");
  CHECK(fake.read("cpuset/pier/p/c/cpuset.cpus") == "0-1");
  CHECK(fake.read("pids/pier/p/c/pids.max") == "max");
  // One write per rule (a plain file concatenates them; cgroupfs parses each write).
  CHECK(fake.read("devices/pier/p/c/devices.allow") ==
        "c *:* mb *:* mc 1:3 rwmc 1:5 rwmc 1:7 rwmc 1:8 rwmc 1:9 rwmc 5:0 rwmc 5:1 rwmc 5:2 rwmc 136:* rwm");
  CHECK(fake.read("devices/pier/p/c/devices.deny") == "a *:* rwm");
  REQUIRE(mgr->add_process(rel, 42).ok());
  CHECK(fake.read("memory/pier/p/c/cgroup.procs") == "42");
  CHECK(mgr->exists(rel));
}

// The child writes "0" through these (runtime/process/child.cpp): one per hierarchy, the
// cgroup's own `tasks` file in each.
TEST_CASE("v1 opens the cgroup's tasks file in every hierarchy for the child", "[runtime][cgroup]") {
  FakeCgroupfs fake;
  auto mgr = make_cgroup_v1({{"memory", fake.root + "/memory"}, {"pids", fake.root + "/pids"}});
  std::string rel = cgroup_name("p", "c");
  fake.prepare(rel);
  std::ofstream(fake.root + "/memory/" + rel + "/tasks");
  CHECK(mgr->open_for_self_attach(rel).error().to_string().find(fake.root + "/pids/" + rel + "/tasks") !=
        std::string::npos);
  std::ofstream(fake.root + "/pids/" + rel + "/tasks");
  auto tasks = mgr->open_for_self_attach(rel);
  REQUIRE(tasks.ok());
  REQUIRE(tasks->size() == 2);
  for (const auto& fd : *tasks) CHECK(::write(fd.get(), "0", 1) == 1);
  CHECK(fake.read("memory/" + rel + "/tasks") == "0");
  CHECK(fake.read("pids/" + rel + "/tasks") == "0");
}

TEST_CASE("v1 reports a missing controller by name", "[runtime][cgroup]") {
  FakeCgroupfs fake;
  auto mgr = make_cgroup_v1({{"cpu", fake.root + "/cpu"}});
  fake.prepare("pier/p/c");
  Resources res;
  res.memory = 1 << 20;
  CHECK(mgr->create("pier/p/c", res, {}).error().to_string() == "memory limit: no v1 memory hierarchy is mounted");
}

// Without the devices controller the rules cannot be enforced: a confined container is
// refused before any directory is made; a privileged one (allow all) needs none.
TEST_CASE("v1 without a devices hierarchy refuses a confined container", "[runtime][cgroup]") {
  FakeCgroupfs fake;
  auto mgr = make_cgroup_v1({{"memory", fake.root + "/memory"}, {"pids", fake.root + "/pids"}});
  std::string rel = cgroup_name("p", "c");
  auto rules = default_device_rules(false);
  rules.push_back(parse_device_rule("c 10:200 rwm").value());
  auto created = mgr->create(rel, {}, rules);
  REQUIRE_FALSE(created.ok());
  CHECK_THAT(created.error().to_string(), Catch::Contains("no v1 devices hierarchy is mounted"));
  CHECK_THAT(created.error().to_string(), Catch::Contains("refusing to start"));
  CHECK_FALSE(fs::exists(fake.root + "/memory/pier"));
  CHECK_FALSE(mgr->exists(rel));
  fake.prepare(rel);
  CHECK(mgr->create(rel, {}, default_device_rules(true)).ok());
  CHECK(mgr->create(rel, {}, {}).ok());
}

TEST_CASE("v1 stats read the OOM kill count from memory.oom_control", "[runtime][cgroup]") {
  FakeCgroupfs fake;
  auto mgr = make_cgroup_v1({{"memory", fake.root + "/memory"}, {"pids", fake.root + "/pids"}});
  std::string rel = cgroup_name("p", "s");
  fake.prepare(rel);
  std::string dir = fake.root + "/memory/" + rel;
  std::ofstream(dir + "/memory.usage_in_bytes") << "4096\n";
  std::ofstream(dir + "/memory.limit_in_bytes") << "8388608\n";
  std::ofstream(dir + "/memory.oom_control") << "oom_kill_disable 0\nunder_oom 0\noom_kill 1\n";
  std::ofstream(fake.root + "/pids/" + rel + "/pids.current") << "2\n";
  auto s = mgr->stats(rel);
  REQUIRE(s.ok());
  CHECK(s->memory_usage == 4096);
  CHECK(s->memory_limit == 8388608);
  CHECK(s->pids_current == 2);
  CHECK(s->oom_kills == 1);
}

TEST_CASE("v1 stats read page cache from memory.stat and block I/O from blkio", "[runtime][cgroup]") {
  FakeCgroupfs fake;
  auto mgr = make_cgroup_v1({{"memory", fake.root + "/memory"}, {"blkio", fake.root + "/blkio"}});
  std::string rel = cgroup_name("p", "s");
  fake.prepare(rel);
  fs::create_directories(fake.root + "/blkio/" + rel);
  std::string dir = fake.root + "/memory/" + rel;
  std::ofstream(dir + "/memory.usage_in_bytes") << "4096\n";
  std::ofstream(dir + "/memory.limit_in_bytes") << "9223372036854771712\n";
  std::ofstream(dir + "/memory.stat") << "cache 2048\ninactive_file 1\ntotal_inactive_file 1024\n";
  std::ofstream(fake.root + "/blkio/" + rel + "/blkio.throttle.io_service_bytes_recursive")
      << "8:0 Read 300\n8:0 Write 40\n8:0 Total 340\nTotal 340\n";
  auto s = mgr->stats(rel);
  REQUIRE(s.ok());
  CHECK(s->memory_limit == 0);  // v1's "no limit"
  CHECK(s->memory_inactive_file == 1024);
  CHECK(s->io_read_bytes == 300);
  CHECK(s->io_write_bytes == 40);
}
