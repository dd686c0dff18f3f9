// Capabilities, seccomp, no_new_privs, users, rlimits, fds and the two runc CVEs.
#include <catch2/catch.hpp>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cstdlib>

#include "integration/support/rootfs.h"

using namespace pier;
using pier::test::TestRoot;

namespace {
constexpr const char* kDockerCaps = "00000000a80425fb";
}

TEST_CASE("Docker's 14 capabilities, inheritable and ambient empty", "[root][runtime][security]") {
  if (!test::running_as_root()) PIER_SKIP("needs root");
  TestRoot t;
  auto r = t.run(t.spec({"info"}));
  INFO(r.error << r.output);
  CHECK(r["CapEff"] == kDockerCaps);
  CHECK(r["CapPrm"] == kDockerCaps);
  CHECK(r["CapBnd"] == kDockerCaps);
  CHECK(r["CapInh"] == "0000000000000000");
  CHECK(r["CapAmb"] == "0000000000000000");
}

TEST_CASE("cap_add and cap_drop adjust the set", "[root][runtime][security]") {
  if (!test::running_as_root()) PIER_SKIP("needs root");
  TestRoot t;
  auto spec = t.spec({"info"});
  spec.process.cap_add = {"NET_ADMIN"};
  spec.process.cap_drop = {"CAP_CHOWN"};
  auto r = t.run(spec);
  CHECK(r["CapEff"] == "00000000a80435fa");
  auto none = t.spec({"info"});
  none.process.cap_drop = {"ALL"};
  CHECK(t.run(none)["CapBnd"] == "0000000000000000");
  auto bad = t.spec({"info"});
  bad.process.cap_add = {"FLY"};
  auto e = t.run(bad);
  CHECK_FALSE(e.started);
  CHECK_THAT(e.error, Catch::Contains("unknown capability `FLY`"));
}

TEST_CASE("cap_drop ALL with cap_add keeps exactly the added caps", "[root][runtime][security]") {
  if (!test::running_as_root()) PIER_SKIP("needs root");
  TestRoot t;
  auto spec = t.spec({"info"});
  spec.process.cap_drop = {"ALL"};
  spec.process.cap_add = {"net_admin", "CAP_KILL"};
  auto r = t.run(spec);
  INFO(r.error << r.output);
  CHECK(r["CapEff"] == "0000000000001020");
  CHECK(r["CapPrm"] == "0000000000001020");
  CHECK(r["CapBnd"] == "0000000000001020");
}

// 0x1_00000026 is AF_ALG to the kernel, which reads the family as an int.
TEST_CASE("seccomp refuses AF_ALG and AF_VSOCK whatever the register's high half", "[root][runtime][security]") {
  if (!test::running_as_root()) PIER_SKIP("needs root");
  TestRoot t;
  auto r = t.run(t.spec({"socket", "38", "socket", "0x100000026", "socket", "0xffffffff00000028", "socket", "1"}));
  INFO(r.error << r.output);
  CHECK(r["socket 38"] == "1");
  CHECK(r["socket 0x100000026"] == "1");
  CHECK(r["socket 0xffffffff00000028"] == "1");
  CHECK(r["socket 1"] == "0");
}

TEST_CASE("seccomp denies unshare and keyctl, ENOSYS past the profile", "[root][runtime][security]") {
  if (!test::running_as_root()) PIER_SKIP("needs root");
  TestRoot t;
  auto r = t.run(t.spec({"info", "unshare", "keyctl", "syscall", "500"}));
  INFO(r.output);
  CHECK(r["Seccomp"] == "2");
  CHECK(r["unshare"] == "1");
  CHECK(r["keyctl"] == "1");
  CHECK(r["syscall_500"] == "38");
  auto spec = t.spec({"info", "keyctl"});
  spec.seccomp = runtime::SeccompMode::unconfined;
  auto u = t.run(spec);
  CHECK(u["Seccomp"] == "0");
  CHECK(u["keyctl"] != "1");
}

TEST_CASE("no_new_privs is off by default and on when asked", "[root][runtime][security]") {
  if (!test::running_as_root()) PIER_SKIP("needs root");
  TestRoot t;
  CHECK(t.run(t.spec({"info"}))["NoNewPrivs"] == "0");
  auto spec = t.spec({"info"});
  spec.process.no_new_privs = true;
  auto r = t.run(spec);
  CHECK(r["NoNewPrivs"] == "1");
  CHECK(r["Seccomp"] == "2");
}

TEST_CASE("user and groups resolve against the container's files", "[root][runtime][security]") {
  if (!test::running_as_root()) PIER_SKIP("needs root");
  TestRoot t;
  auto spec = t.spec({"info"});
  spec.process.user = "app";
  spec.process.group_add = {"staff", "4242"};
  auto r = t.run(spec);
  INFO(r.error << r.output);
  CHECK(r["uid"] == "1000");
  CHECK(r["gid"] == "1000");
  CHECK(r["groups"] == "10,29,50,4242,");
  CHECK(r["home"] == "/home/app");
  CHECK(r["CapEff"] == "0000000000000000");

  auto numeric = t.spec({"info"});
  numeric.process.user = "1234:staff";
  auto n = t.run(numeric);
  CHECK(n["uid"] == "1234");
  CHECK(n["gid"] == "50");

  auto ghost = t.spec({"info"});
  ghost.process.user = "ghost";
  auto g = t.run(ghost);
  CHECK_FALSE(g.started);
  CHECK_THAT(g.error, Catch::Contains("user `ghost` not found in the container's /etc/passwd"));
}

TEST_CASE("rlimits: explicit, default nofile, soft above hard refused", "[root][runtime][security]") {
  if (!test::running_as_root()) PIER_SKIP("needs root");
  TestRoot t;
  auto spec = t.spec({"info"});
  spec.process.rlimits = {{RLIMIT_NOFILE, 100, 200}};
  CHECK(t.run(spec)["nofile"] == "100:200");
  CHECK(t.run(t.spec({"info"}))["nofile"].rfind("1024:", 0) == 0);
  auto bad = t.spec({"info"});
  bad.process.rlimits = {{RLIMIT_NOFILE, 300, 200}};
  auto r = t.run(bad);
  CHECK_FALSE(r.started);
  CHECK_THAT(r.error, Catch::Contains("soft limit 300 exceeds hard limit 200"));
}

TEST_CASE("no inherited fd reaches the container (CVE-2024-21626)", "[root][runtime][security]") {
  if (!test::running_as_root()) PIER_SKIP("needs root");
  TestRoot t;
  // A host directory fd without O_CLOEXEC, as a careless supervisor thread might hold.
  int leaked = ::open("/tmp", O_RDONLY | O_DIRECTORY);
  REQUIRE(leaked >= 0);
  auto spec = t.spec({"info", "readlink", "/proc/self/cwd"});
  spec.process.workdir = "/data/sub";
  auto r = t.run(spec);
  ::close(leaked);
  INFO(r.error << r.output);
  CHECK(r["fds"] == "0,1,2,");
  CHECK(r["cwd"] == "/data/sub");
  CHECK(r["readlink /proc/self/cwd"] == "/data/sub");
}

TEST_CASE("the host's runtime binary is unreachable (CVE-2019-5736)", "[root][runtime][security]") {
  if (!test::running_as_root()) PIER_SKIP("needs root");
  TestRoot t;
  auto spec = t.spec({"pause"});
  auto c = runtime::spawn(spec);
  REQUIRE(c.ok());
  // The container's PID 1 exec'd its own binary; an exec'd process is ours only until execve,
  // and non-dumpable until then, so /proc/<pid>/exe never shows the host binary.
  int pipefd[2];
  REQUIRE(::pipe2(pipefd, O_CLOEXEC) == 0);
  runtime::Process p;
  p.argv = {"/probe", "readlink", "/proc/1/exe", "readlink", "/proc/self/exe", "info"};
  p.stdio[1] = pipefd[1];
  auto h = runtime::exec_in(*c, p);
  ::close(pipefd[1]);
  REQUIRE(h.ok());
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(pipefd[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  ::close(pipefd[0]);
  CHECK(runtime::wait(h->pidfd.get()).value() == 0);
  auto v = test::parse_values(out);
  INFO(out);
  CHECK(v["readlink /proc/1/exe"] == "/probe");
  CHECK(v["readlink /proc/self/exe"] == "/probe");
  CHECK(v["pid"] != "1");
  CHECK(v["fds"] == "0,1,2,");
  CHECK(runtime::destroy(spec.project, spec.name, spec.state_dir).ok());
}

TEST_CASE("privileged: all capabilities, host devices, writable /sys, no seccomp", "[root][runtime][security]") {
  if (!test::running_as_root()) PIER_SKIP("needs root");
  if (access("/dev/loop0", F_OK) != 0) PIER_SKIP("host has no /dev/loop0 to test with");
  TestRoot t;
  auto spec = t.spec({"info", "read", "/dev/loop0", "cat", "/proc/keys"});
  spec.privileged = true;
  auto r = t.run(spec);
  INFO(r.error << r.output);
  CHECK(r["Seccomp"] == "0");
  CHECK(r["CapEff"] != "00000000a80425fb");
  CHECK(r["read /dev/loop0"] == "0");
}

TEST_CASE("exec_in inherits the container's capabilities", "[root][runtime][security]") {
  if (!test::running_as_root()) PIER_SKIP("needs root");
  TestRoot t;
  auto spec = t.spec({"pause"});
  spec.process.cap_drop = {"ALL"};
  spec.process.cap_add = {"NET_ADMIN"};
  auto c = runtime::spawn(spec);
  REQUIRE(c.ok());
  int pipefd[2];
  REQUIRE(::pipe2(pipefd, O_CLOEXEC) == 0);
  runtime::Process p;
  p.argv = {"/probe", "info"};
  p.stdio[1] = pipefd[1];
  auto h = runtime::exec_in(*c, p);
  ::close(pipefd[1]);
  REQUIRE(h.ok());
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(pipefd[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  ::close(pipefd[0]);
  CHECK(runtime::wait(h->pidfd.get()).value() == 0);
  CHECK(test::parse_values(out)["CapEff"] == "0000000000001000");
  CHECK(runtime::destroy(spec.project, spec.name, spec.state_dir).ok());
}

TEST_CASE("a custom seccomp profile replaces the default", "[root][runtime][security]") {
  if (!test::running_as_root()) PIER_SKIP("needs root");
  TestRoot t;
  auto spec = t.spec({"info", "keyctl", "unshare"});
  spec.seccomp = runtime::SeccompMode::custom;
  spec.seccomp_profile.default_action = runtime::SeccompAction::allow;
  runtime::SeccompRule deny_keyctl;
  deny_keyctl.names = {"keyctl", "no_such_syscall"};
  deny_keyctl.action = runtime::SeccompAction::errno_;
  deny_keyctl.errno_ret = 13;  // EACCES
  runtime::SeccompRule deny_newns;
  deny_newns.names = {"unshare"};
  deny_newns.action = runtime::SeccompAction::errno_;
  deny_newns.errno_ret = 95;  // EOPNOTSUPP, only for CLONE_NEWNS
  deny_newns.args = {{0, 0x20000, 0x20000, runtime::SeccompArg::Op::masked_eq}};
  spec.seccomp_profile.rules = {deny_keyctl, deny_newns};
  auto r = t.run(spec);
  INFO(r.error << r.output);
  CHECK(r["Seccomp"] == "2");
  CHECK(r["keyctl"] == "13");
  CHECK(r["unshare"] == "95");
}

TEST_CASE("32-bit syscalls get the same profile instead of a kill", "[root][runtime][security]") {
  if (!test::running_as_root()) PIER_SKIP("needs root");
#if !defined(__x86_64__)
  PIER_SKIP("x86-64 only");
#endif
  if (std::system(PIER_PROBE_BINARY " int80 >/dev/null 2>&1") != 0)
    PIER_SKIP("this kernel has no IA32 emulation (int 0x80 faults on the host too)");
  TestRoot t;
  auto r = t.run(t.spec({"int80"}));
  INFO(r.error << r.output);
  CHECK(r.exit_code == 0);
  CHECK(r["int80_getpid"] == "1");
  CHECK(r["int80_keyctl"] == "-1");  // -EPERM
}
