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

  std::string protocol_name() const { return protocol == IPPROTO_UDP ? "udp" : "tcp"; }
};

}  // namespace pier::net
