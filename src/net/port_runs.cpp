// Which published ports form a range, and the bind check for ports the kernel alone
// publishes (net/ports.h).
#include <fmt/format.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "base/unique_fd.h"
#include "net/ports.h"
#include "net/sockaddr.h"

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
  std::string where = Endpoint4or6{ip, m.host_port}.to_string();
  int type = m.protocol == IPPROTO_UDP ? SOCK_DGRAM : SOCK_STREAM;
  UniqueFd fd(socket(ip.family, type | SOCK_CLOEXEC, 0));
  if (!fd) return Error::system("create socket for", where, errno);
  // The same options a proxy's socket has, so the answer is the one it would get;
  // no listen(): nothing may be accepted on a port the kernel publishes.
  int one = 1;
  if (type == SOCK_STREAM) setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (!ip.is_v4()) setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  sockaddr_storage ss;
  socklen_t len = to_sockaddr(ip, m.host_port, ss);
  if (bind(fd.get(), reinterpret_cast<sockaddr*>(&ss), len) == 0) return {};
  int err = errno;
  auto e = Error::system("bind", where, err);
  e.context(fmt::format("service {}", m.service));
  if (err == EADDRINUSE)
    e.hint(fmt::format("another program uses port {}; free it or publish a different host port", m.host_port));
  return e;
}

}  // namespace pier::net
