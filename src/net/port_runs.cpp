// Which published ports form a range, and the bind check for ports the kernel alone
// publishes (net/ports.h).
#include <fmt/format.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "net/ports.h"
#include "net/rootless/published_socket.h"

namespace pier::net {

namespace {

bool continues(const PortKey& prev, const PortKey& next) {
  return prev.host_port != 0 && next.host_port == prev.host_port + 1 &&
         next.container_port == prev.container_port + 1 && next.protocol == prev.protocol &&
         next.host_ip == prev.host_ip;
}

}  // namespace

std::vector<bool> in_port_runs(const std::vector<PortKey>& ports) {
  std::vector<bool> out(ports.size(), false);
  for (size_t i = 0; i + 1 < ports.size(); ++i)
    if (continues(ports[i], ports[i + 1])) out[i] = out[i + 1] = true;
  return out;
}

Status check_host_port_free(const PortMapping& m) {
  IpAddress ip = m.host_ip.valid() ? m.host_ip : IpAddress::v4(0);
  int type = m.protocol == IPPROTO_UDP ? SOCK_DGRAM : SOCK_STREAM;
  // The proxy's own bind, without listen(): the same answer, nothing accepted.
  auto bound = rootless::bind_published_socket(type, ip, m.host_port, fmt::format("service {}", m.service), false);
  if (!bound) return std::move(bound).error();
  return {};
}

}  // namespace pier::net
