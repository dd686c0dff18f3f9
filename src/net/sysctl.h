// Network sysctls under /proc/sys/net. That tree shows the namespace of the task that
// opens the file, so `write_sysctl_in` opens it on a thread inside the namespace.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace pier::net {

// Writes `value` to /proc/sys/net/<key> (key: "ipv6/conf/eth0/accept_ra") in the
// caller's namespace; a value already there is not rewritten.
Status write_sysctl(const std::string& key, std::string_view value);
// The same inside the network namespace `netns_fd`.
Status write_sysctl_in(int netns_fd, const std::string& key, std::string_view value);
// The trimmed value of /proc/sys/net/<key> in `netns_fd` (-1: the caller's namespace).
Result<std::string> read_sysctl(int netns_fd, const std::string& key);

// False when the kernel has no IPv6 (booted with ipv6.disable=1): there is then no
// /proc/sys/net/ipv6 and nothing there to harden.
bool have_ipv6();

// Router advertisements off for a link pier made on the host (bridge, host veth end):
// a container must never configure the host's addresses or routes.
Status refuse_router_advertisements(const std::string& link);

// The container's side, before its interfaces exist (they inherit `default`): no
// router advertisements on any of them, and with `disable_ipv6` (none of its networks
// has enable_ipv6) no IPv6 at all, as Docker does. Otherwise a container with NET_RAW
// could advertise itself as a router to its neighbours (CVE-2020-13401).
Status harden_container_ipv6(int netns_fd, bool disable_ipv6);

}  // namespace pier::net
