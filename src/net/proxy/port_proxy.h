// The userland proxy for a published port, on the loop: connections and datagrams
// to host_ip:host_port (notably from host loopback, which DNAT cannot serve) are
// relayed to the container. Binding it is also what reserves the host port, so a
// busy port fails here with a message naming the port and the service.
#pragma once

#include <map>
#include <memory>

#include "base/result.h"
#include "base/unique_fd.h"
#include "event/loop.h"
#include "net/ports.h"

namespace pier::net::proxy {

class PortProxy {
 public:
  virtual ~PortProxy() = default;
  // The bound host port (the chosen one when the mapping asked for 0).
  virtual uint16_t port() const = 0;
  virtual size_t sessions() const = 0;
};

// Concurrent sessions per published port (a TCP connection holds 6 fds, a UDP client
// 1): past it a new TCP client is closed at once and a new UDP client's datagrams are
// dropped, so a flood cannot exhaust the supervisor's file descriptors.
inline constexpr size_t kMaxSessions = 512;

Result<std::unique_ptr<PortProxy>> start_tcp_proxy(event::Loop& loop, const PortMapping& mapping,
                                                   size_t max_sessions = kMaxSessions);
Result<std::unique_ptr<PortProxy>> start_udp_proxy(event::Loop& loop, const PortMapping& mapping,
                                                   event::Duration idle_timeout = event::Duration(30000),
                                                   size_t max_sessions = kMaxSessions);
// Either of the above, by mapping.protocol.
Result<std::unique_ptr<PortProxy>> start_proxy(event::Loop& loop, const PortMapping& mapping);

}  // namespace pier::net::proxy
