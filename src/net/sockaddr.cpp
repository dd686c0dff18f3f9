#include "net/sockaddr.h"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <cstring>

namespace pier::net {

std::string Endpoint4or6::to_string() const {
  return ip.is_v4() ? fmt::format("{}:{}", ip.to_string(), port) : fmt::format("[{}]:{}", ip.to_string(), port);
}

socklen_t to_sockaddr(const IpAddress& ip, uint16_t port, sockaddr_storage& out) {
  std::memset(&out, 0, sizeof out);
  if (ip.is_v4()) {
    auto* sa = reinterpret_cast<sockaddr_in*>(&out);
    sa->sin_family = AF_INET;
    sa->sin_port = htons(port);
    std::memcpy(&sa->sin_addr, ip.bytes.data(), 4);
    return sizeof *sa;
  }
  auto* sa = reinterpret_cast<sockaddr_in6*>(&out);
  sa->sin6_family = AF_INET6;
  sa->sin6_port = htons(port);
  std::memcpy(&sa->sin6_addr, ip.bytes.data(), 16);
  return sizeof *sa;
}

Endpoint4or6 from_sockaddr(const sockaddr_storage& ss) {
  Endpoint4or6 ep;
  if (ss.ss_family == AF_INET) {
    auto* sa = reinterpret_cast<const sockaddr_in*>(&ss);
    ep.ip.family = AF_INET;
    std::memcpy(ep.ip.bytes.data(), &sa->sin_addr, 4);
    ep.port = ntohs(sa->sin_port);
  } else if (ss.ss_family == AF_INET6) {
    auto* sa = reinterpret_cast<const sockaddr_in6*>(&ss);
    ep.ip.family = AF_INET6;
    std::memcpy(ep.ip.bytes.data(), &sa->sin6_addr, 16);
    ep.port = ntohs(sa->sin6_port);
    // A v4-mapped peer is the v4 container it really is.
    if (IN6_IS_ADDR_V4MAPPED(&sa->sin6_addr)) {
      IpAddress v4;
      v4.family = AF_INET;
      std::memcpy(v4.bytes.data(), ep.ip.bytes.data() + 12, 4);
      ep.ip = v4;
    }
  }
  return ep;
}

}  // namespace pier::net
