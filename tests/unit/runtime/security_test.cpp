#include <catch2/catch.hpp>
#include <errno.h>
#include <linux/capability.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/cgroup/devices.h"
#include "runtime/security/caps.h"
#include "runtime/security/seccomp.h"

using namespace pier::runtime;

TEST_CASE("capabilities: Docker's 14, add, drop, ALL, unknown", "[runtime][caps]") {
  CHECK(default_caps() == 0xa80425fbull);
  CHECK(compute_caps({"NET_ADMIN"}, {"cap_chown"}, false).value() == 0xa80435faull);
  CHECK(compute_caps({}, {"ALL"}, false).value() == 0);
  CHECK(compute_caps({"ALL"}, {}, false).value() == available_caps());
  CHECK(compute_caps({}, {}, true).value() == available_caps());
  CHECK_THAT(compute_caps({"fly"}, {}, false).error().to_string(), Catch::Contains("unknown capability `fly`"));
  CHECK(cap_names(cap_bit(CAP_KILL)) == std::vector<std::string>{"cap_kill"});
}

// moby's caps.TweakCapabilities: the first of these cases that applies decides.
TEST_CASE("capabilities: ALL in either list follows Docker's rules", "[runtime][caps]") {
  const CapMask admin = cap_bit(CAP_NET_ADMIN);
  // The hardening recipe: drop everything, then add back the one cap the service needs.
  CHECK(compute_caps({"NET_ADMIN"}, {"ALL"}, false).value() == admin);
  CHECK(compute_caps({"cap_net_admin", "Kill"}, {"all"}, false).value() == (admin | cap_bit(CAP_KILL)));
  // pier honours the lists when privileged too (Docker ignores them there).
  CHECK(compute_caps({"NET_ADMIN"}, {"ALL"}, true).value() == admin);
  // cap_add ALL wins over cap_drop ALL; the names beside ALL in cap_drop still go.
  CHECK(compute_caps({"ALL"}, {"ALL"}, false).value() == available_caps());
  CHECK(compute_caps({"ALL"}, {"CHOWN", "ALL"}, false).value() == (available_caps() & ~cap_bit(CAP_CHOWN)));
  CHECK(compute_caps({"ALL", "NET_ADMIN"}, {"NET_ADMIN"}, false).value() == (available_caps() & ~admin));
  // Without ALL: drop from the defaults, then add, so a cap named in both lists stays.
  CHECK(compute_caps({"CHOWN"}, {"CHOWN"}, false).value() == default_caps());
  CHECK(compute_caps({"NET_ADMIN"}, {"NET_ADMIN"}, false).value() == (default_caps() | admin));
  CHECK(compute_caps({}, {"CAP_KILL"}, true).value() == (available_caps() & ~cap_bit(CAP_KILL)));
  // An unknown name is an error in either list, even beside ALL.
  CHECK_THAT(compute_caps({"ALL"}, {"fly"}, false).error().to_string(), Catch::Contains("unknown capability `fly`"));
  CHECK_THAT(compute_caps({"CAP_FLY"}, {"ALL"}, false).error().to_string(),
             Catch::Contains("unknown capability `CAP_FLY`"));
  CHECK_FALSE(compute_caps({"CAP_ALL"}, {}, false).ok());
}

TEST_CASE("seccomp programs compile and are cached per capability set", "[runtime][seccomp]") {
  auto a = default_seccomp_program(default_caps());
  INFO((a.ok() ? std::string() : a.error().to_string()));
  REQUIRE(a.ok());
  CHECK((*a)->size() > 100);
  auto b = default_seccomp_program(default_caps());
  CHECK(a->get() == b->get());
  auto admin = default_seccomp_program(default_caps() | cap_bit(CAP_SYS_ADMIN));
  REQUIRE(admin.ok());
  CHECK(admin->get() != a->get());
}

namespace {

// Runs `call` in a child under the default program and returns the errno it saw (0: the
// call succeeded). An unprivileged process may install a filter once no_new_privs is set.
int errno_under_default_profile(long (*call)()) {
  auto prog = default_seccomp_program(default_caps());
  REQUIRE(prog.ok());
  pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    sock_fprog fprog{static_cast<unsigned short>((*prog)->size()), const_cast<sock_filter*>((*prog)->data())};
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || ::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog) != 0)
      ::_exit(255);
    long rc = call();
    ::_exit(rc < 0 ? (errno & 0x7f) : 0);
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) != 255);
  return WEXITSTATUS(status);
}

}  // namespace

// The kernel reads socket's family as an int and personality's as an unsigned int, so
// the filter must judge the low 32 bits only: 0x1_00000026 reaches the kernel as AF_ALG.
TEST_CASE("seccomp: socket and personality are judged on the low 32 bits", "[runtime][seccomp]") {
  CHECK(errno_under_default_profile([] { return ::syscall(SYS_socket, 38ul, SOCK_SEQPACKET, 0); }) == EPERM);
  CHECK(errno_under_default_profile([] { return ::syscall(SYS_socket, 0x100000026ul, SOCK_SEQPACKET, 0); }) == EPERM);
  CHECK(errno_under_default_profile([] { return ::syscall(SYS_socket, 0xffffffff00000028ul, SOCK_STREAM, 0); }) == EPERM);
  CHECK(errno_under_default_profile([] { return ::syscall(SYS_socket, 0x100000001ul, SOCK_STREAM, 0); }) == 0);
  CHECK(errno_under_default_profile([] { return ::syscall(SYS_socket, 1ul, SOCK_STREAM, 0); }) == 0);
  // Families the profile allows reach the kernel, which answers for ones it lacks.
  CHECK(errno_under_default_profile([] { return ::syscall(SYS_socket, 0x7ffffffful, SOCK_STREAM, 0); }) == EAFNOSUPPORT);
  CHECK(errno_under_default_profile([] { return ::syscall(SYS_personality, 0xffffffffffffffff); }) == 0);
  CHECK(errno_under_default_profile([] { return ::syscall(SYS_personality, 0x100000000ul); }) == 0);
  CHECK(errno_under_default_profile([] { return ::syscall(SYS_personality, 0x1ul); }) == EPERM);
}

TEST_CASE("device rules parse and defaults match Docker's", "[runtime][devices]") {
  auto r = parse_device_rule("c 1:3 rwm").value();
  CHECK(r.type == 'c');
  CHECK(r.major == 1);
  CHECK(r.minor == 3);
  CHECK(r.to_v1() == "c 1:3 rwm");
  CHECK(parse_device_rule("b 8:* r").value().to_v1() == "b 8:* r");
  CHECK(parse_device_rule("a").value().to_v1() == "a *:* rwm");
  CHECK_THAT(parse_device_rule("x 1:3 rwm").error().to_string(), Catch::Contains("expected"));
  CHECK_FALSE(parse_device_rule("c 1:3 rwx").ok());
  auto defaults = default_device_rules(false);
  CHECK_FALSE(defaults.front().allow);
  CHECK(defaults.front().to_v1() == "a *:* rwm");
  CHECK(default_device_rules(true).size() == 1);
}
