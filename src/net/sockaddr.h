// sockaddr <-> IpAddress + port, for v4 and v6.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <string>

#include "net/ip.h"

namespace pier::net {

struct Endpoint4or6 {
  IpAddress ip;
  uint16_t port = 0;
  std::string to_string() const;
};

socklen_t to_sockaddr(const IpAddress& ip, uint16_t port, sockaddr_storage& out);
Endpoint4or6 from_sockaddr(const sockaddr_storage& sa);

}  // namespace pier::net
