// The host end of a published port: where its socket is made, and the error for a
// port a rootless pier may not bind.
#pragma once

#include <string>

#include "base/result.h"
#include "base/unique_fd.h"
#include "net/ip.h"

namespace pier::net::rootless {

// bind_socket (net/socket_util.h) in the host's namespace when a rootless supervisor
// set published_ports_side(), else in the caller's. Rootless, a fixed port below the
// host's net.ipv4.ip_unprivileged_port_start is refused before binding, with the
// sysctl and how to change it.
Result<UniqueFd> bind_published_socket(int type, const IpAddress& ip, uint16_t port, const std::string& who,
                                       bool listen = true);

// The refusal itself, for a port below `unprivileged_start` (tested as data).
Error privileged_port_error(const IpAddress& ip, uint16_t port, int unprivileged_start, const std::string& who);

}  // namespace pier::net::rootless
