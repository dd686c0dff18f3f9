// The v2 backend on the real kernel: on this hybrid host the unified hierarchy has no
// resource controllers, but the eBPF device program, kill and removal work there too.
#include <catch2/catch.hpp>
#include <errno.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

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
