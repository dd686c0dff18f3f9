// The v2 backend on the real kernel: on this hybrid host the unified hierarchy has no
// resource controllers, but the eBPF device program, kill and removal work there too.
#include <catch2/catch.hpp>
#include <errno.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <signal.h>

#include <fstream>
#include <sstream>

#include "integration/support/rootfs.h"
#include "runtime/cgroup/manager.h"

using namespace pier;

namespace {

std::string find_cgroup2() {
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  while (std::getline(in, line)) {
    auto dash = line.find(" - cgroup2 ");
    if (dash == std::string::npos) continue;
    std::istringstream fields(line);
    std::string f, mountpoint;
    for (int i = 0; i < 5 && fields >> f; ++i) mountpoint = f;
    return mountpoint;
  }
  return {};
}

}  // namespace

TEST_CASE("v2 device program allows the defaults and denies the rest", "[root][runtime][cgroup2]") {
  if (!test::running_as_root()) PIER_SKIP("needs root");
  std::string root = find_cgroup2();
  if (root.empty()) PIER_SKIP("no cgroup2 hierarchy mounted");
  if (access("/dev/loop0", F_OK) != 0) PIER_SKIP("host has no /dev/loop0 to test with");
  auto mgr = runtime::make_cgroup_v2(root);
  std::string rel = runtime::cgroup_name("it" + std::to_string(getpid()), "dev");
  auto rules = runtime::default_device_rules(false);
  rules.push_back(runtime::parse_device_rule("b 7:0 r").value());
  auto created = mgr->create(rel, {}, rules);
  if (!created.ok() && created.error().errnum() == EPERM) PIER_SKIP("BPF not permitted here: " + created.error().to_string());
  struct Cleanup {
    runtime::CgroupManager& mgr;
    std::string rel;
    ~Cleanup() {
      (void)mgr.kill_all(rel);
      (void)mgr.remove(rel);
      mgr.remove_parents(rel);
    }
  } cleanup{*mgr, rel};
  INFO((created.ok() ? std::string() : created.error().to_string()));
  REQUIRE(created.ok());
  pid_t child = fork();
  if (child == 0) {
    std::ofstream(root + "/" + rel + "/cgroup.procs") << getpid();
    int code = 0;
    int fd = open("/dev/null", O_RDWR);
    if (fd < 0) code |= 1;
    fd = open("/dev/loop0", O_RDONLY);
    if (fd < 0) code |= 2;
    fd = open("/dev/loop0", O_RDWR);
    if (!(fd < 0 && errno == EPERM)) code |= 4;
    fd = open("/dev/loop1", O_RDONLY);
    if (!(fd < 0 && errno == EPERM)) code |= 8;
    _exit(code);
  }
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);  // bits: 1 null denied, 2 loop0 r denied, 4 loop0 w allowed, 8 loop1 allowed
  CHECK(mgr->kill_all(rel).ok());
  CHECK(mgr->remove(rel).ok());
  mgr->remove_parents(rel);
  CHECK_FALSE(mgr->exists(rel));
}

namespace {

// A process of our own in a v2 cgroup (the unified hierarchy here has no resource
// controllers, so these are what can be checked on the real kernel).
struct V2Fixture {
  std::string root = find_cgroup2();
  std::unique_ptr<runtime::CgroupManager> mgr;
  std::string rel;
  pid_t child = -1;
  explicit V2Fixture(const char* name) {
    if (root.empty()) return;
    mgr = runtime::make_cgroup_v2(root);
    rel = runtime::cgroup_name("it" + std::to_string(getpid()), name);
  }
  pid_t spawn_sleeper() {
    int ready[2];
    if (pipe(ready) != 0) return -1;
    child = fork();
    if (child == 0) {
      close(ready[0]);
      std::ofstream(root + "/" + rel + "/cgroup.procs") << getpid();
      (void)!write(ready[1], "r", 1);
      for (;;) pause();
    }
    close(ready[1]);
    char c;
    (void)!read(ready[0], &c, 1);
    close(ready[0]);
    return child;
  }
  std::string read_text(const std::string& file) {
    std::ifstream in(root + "/" + rel + "/" + file);
    return std::string((std::istreambuf_iterator<char>(in)), {});
  }
  ~V2Fixture() {
    if (!mgr) return;
    (void)mgr->kill_all(rel);
    if (child > 0) waitpid(child, nullptr, WNOHANG);
    (void)mgr->remove(rel);
    mgr->remove_parents(rel);
  }
};

}  // namespace

TEST_CASE("v2 on the real unified hierarchy: freeze, thaw, kill, stats and removal", "[root][runtime][cgroup2]") {
  if (!test::running_as_root()) PIER_SKIP("needs root");
  V2Fixture f("freeze");
  if (!f.mgr) PIER_SKIP("no cgroup2 hierarchy mounted");
  auto created = f.mgr->create(f.rel, {}, {});
  INFO((created.ok() ? std::string() : created.error().to_string()));
  REQUIRE(created.ok());
  pid_t child = f.spawn_sleeper();
  REQUIRE(child > 0);
  auto procs = f.mgr->processes(f.rel);
  REQUIRE(procs.ok());
  CHECK(*procs == std::vector<pid_t>{child});
  REQUIRE(f.mgr->freeze(f.rel, true).ok());
  CHECK_THAT(f.read_text("cgroup.events"), Catch::Contains("frozen 1"));
  REQUIRE(f.mgr->freeze(f.rel, false).ok());
  CHECK_THAT(f.read_text("cgroup.events"), Catch::Contains("frozen 0"));
  CHECK(f.mgr->stats(f.rel).ok());
  // cgroup.kill (5.14+) ends every process and the cgroup empties.
  REQUIRE(f.mgr->kill_all(f.rel).ok());
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  f.child = -1;
  CHECK(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGKILL);
  CHECK_THAT(f.read_text("cgroup.events"), Catch::Contains("populated 0"));
  REQUIRE(f.mgr->remove(f.rel).ok());
  CHECK_FALSE(f.mgr->exists(f.rel));
}

TEST_CASE("v2 on the real unified hierarchy: a limit whose controller is not there names its file",
          "[root][runtime][cgroup2]") {
  if (!test::running_as_root()) PIER_SKIP("needs root");
  V2Fixture f("nomem");
  if (!f.mgr) PIER_SKIP("no cgroup2 hierarchy mounted");
  std::ifstream in(f.root + "/cgroup.controllers");
  std::string controllers((std::istreambuf_iterator<char>(in)), {});
  if (controllers.find("memory") != std::string::npos) {
    // A unified hierarchy with the memory controller: the limit lands.
    runtime::Resources res;
    res.memory = 64 << 20;
    res.pids_limit = 20;
    auto created = f.mgr->create(f.rel, res, {});
    INFO((created.ok() ? std::string() : created.error().to_string()));
    REQUIRE(created.ok());
    CHECK(f.read_text("memory.max") == std::to_string(64 << 20) + "\n");
    CHECK(f.read_text("pids.max") == "20\n");
    return;
  }
  runtime::Resources res;
  res.memory = 64 << 20;
  auto created = f.mgr->create(f.rel, res, {});
  REQUIRE_FALSE(created.ok());
  CHECK_THAT(created.error().to_string(), Catch::Contains(f.rel + "/memory.max"));
}
