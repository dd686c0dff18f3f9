// A published port (`ports:`), already resolved to the container's address.
#pragma once

#include <netinet/in.h>

#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "net/ip.h"

namespace pier::net {

struct PortMapping {
  std::string service;       // for messages: "service web: bind `0.0.0.0:8080`: ..."
  int protocol = IPPROTO_TCP;  // IPPROTO_TCP or IPPROTO_UDP
  IpAddress host_ip;         // unset: every host address
  uint16_t host_port = 0;    // 0: pick a free port (the proxy reports which)
  IpAddress container_ip;
  uint16_t container_port = 0;
  // The container's IPv6 address on the same network (enable_ipv6): IPv6 traffic to
  // the port is DNATed there too, unless host_ip is an IPv4 address.
  std::optional<IpAddress> container_ip6;
  // Part of a range ("8000-8100:8000-8100"): published by the kernel alone, with no
  // userland proxy and no listening socket per port. Host processes reach it through
  // the output hook's DNAT, which needs route_localnet on the bridge for 127.0.0.1.
  bool by_kernel = false;

  std::string protocol_name() const { return protocol == IPPROTO_UDP ? "udp" : "tcp"; }
};

// What decides whether a published port is part of a range, for a compose port or a
// PortMapping alike: a run of two or more entries whose host and container ports both
// count up by one, with the same protocol and host address. A range in the compose
// file expands to exactly such a run.
struct PortKey {
  int protocol = IPPROTO_TCP;
  std::string host_ip;
  uint32_t host_port = 0;  // 0: the host picks (never part of a run)
  uint32_t container_port = 0;
};
std::vector<bool> in_port_runs(const std::vector<PortKey>& ports);

// Whether a host port can be taken now: binds a socket of the mapping's protocol and
// address (no listen), then closes it. For ports published without a proxy, which
// hold no socket: the same "address already in use" error a proxy gives, before start.
Status check_host_port_free(const PortMapping& m);

}  // namespace pier::net
