#include "net/socket_util.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/socket.h>

#include <cerrno>

#include "net/sockaddr.h"

namespace pier::net {

Result<UniqueFd> bind_socket(int type, const IpAddress& ip, uint16_t port, const std::string& who, bool listen) {
  std::string where = Endpoint4or6{ip, port}.to_string();
  UniqueFd fd(socket(ip.family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) return Error::system("create socket for", where, errno);
  int one = 1;
  if (type == SOCK_STREAM) setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (!ip.is_v4()) setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  sockaddr_storage ss;
  socklen_t len = to_sockaddr(ip, port, ss);
  if (bind(fd.get(), reinterpret_cast<sockaddr*>(&ss), len) != 0) {
    int err = errno;
    auto e = Error::system("bind", where, err);
    if (!who.empty()) e.context(who);
    if (err == EADDRINUSE) e.hint(fmt::format("another program uses port {}; free it or publish a different host port", port));
    return e;
  }
  if (type == SOCK_STREAM && listen && ::listen(fd.get(), 128) != 0) return Error::system("listen on", where, errno);
  return fd;
}

uint16_t local_port(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
  return from_sockaddr(ss).port;
}

Status set_nonblocking(int fd) {
  int flags = fcntl(fd, F_GETFL);
  if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0)
    return Error::system("set non-blocking", fmt::format("fd {}", fd), errno);
  return {};
}

}  // namespace pier::net
