// The DNS server asked for any port (port 0) must get one that is free for both UDP and
// TCP. The kernel picks the UDP port; that number may be held for TCP by another socket
// on the address. The test makes that happen half the time: in a network namespace of
// its own (inside a user namespace, so no root is needed and nothing on the host sees
// it), the ephemeral range is two ports and a TCP listener holds the first.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "event/loop.h"
#include "net/dns/server.h"
#include "net/socket_util.h"

using namespace pier;
using namespace pier::net;

namespace {
constexpr int kNoNamespace = 77;
constexpr uint16_t kHeldPort = 40000;
constexpr uint16_t kFreePort = 40001;

bool write_file(const char* path, const std::string& text) {
  int fd = ::open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = ::write(fd, text.data(), text.size()) == ssize_t(text.size());
  ::close(fd);
  return ok;
}

bool enter_own_network_namespace() {
  const uid_t uid = ::getuid();
  const gid_t gid = ::getgid();
  if (::unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0) return false;
  if (!write_file("/proc/self/setgroups", "deny") ||
      !write_file("/proc/self/uid_map", "0 " + std::to_string(uid) + " 1\n") ||
      !write_file("/proc/self/gid_map", "0 " + std::to_string(gid) + " 1\n"))
    return false;
  // Loopback starts down in a new network namespace.
  int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) return false;
  ifreq ifr{};
  std::snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "lo");
  bool up = ::ioctl(s, SIOCGIFFLAGS, &ifr) == 0;
  if (up) {
    ifr.ifr_flags |= IFF_UP;
    up = ::ioctl(s, SIOCSIFFLAGS, &ifr) == 0;
  }
  ::close(s);
  return up;
}

// Runs in a child process (the namespaces must not outlive the test): 0 when every
// listen got the free port, 77 without the namespaces, 1 otherwise.
int listen_on_any_port_with_half_the_range_held() {
  if (!enter_own_network_namespace()) return kNoNamespace;
  if (!write_file("/proc/sys/net/ipv4/ip_local_port_range",
                  std::to_string(kHeldPort) + " " + std::to_string(kFreePort) + "\n"))
    return kNoNamespace;
  const IpAddress lo = IpAddress::parse("127.0.0.1").value();
  auto held = bind_socket(SOCK_STREAM, lo, kHeldPort, "the test");
  if (!held.ok()) return 1;
  // Eight listens: each picks the held port first half the time.
  for (int i = 0; i < 8; ++i) {
    auto loop = std::move(event::make_uv_loop()).value();
    dns::Registry registry;
    dns::Server server(*loop, registry, {});
    auto port = server.listen(lo, 0);
    if (!port.ok()) {
      std::fprintf(stderr, "listen %d: %s\n", i, port.error().to_string().c_str());
      return 1;
    }
    if (*port != kFreePort) {
      std::fprintf(stderr, "listen %d: port %u\n", i, unsigned(*port));
      return 1;
    }
  }
  return 0;
}
}  // namespace

TEST_CASE("dns server on any port gets one free for both UDP and TCP", "[net][dns]") {
  std::fflush(nullptr);
  pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) ::_exit(listen_on_any_port_with_half_the_range_held());
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  if (WEXITSTATUS(status) == kNoNamespace) {
    WARN("no user and network namespace here: not tested");
    return;
  }
  CHECK(WEXITSTATUS(status) == 0);
}
