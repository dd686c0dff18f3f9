#include "net/netlink/socket.h"

#include <fmt/format.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include "net/netns.h"

namespace pier::net::netlink {

void Socket::Free::operator()(nl_sock* s) const { nl_socket_free(s); }

Error nl_error(std::string_view operation, std::string_view object, int nlerr) {
  return Error(fmt::format("{} {}: {}", operation, object, nl_geterror(nlerr)));
}

Result<Socket> Socket::open() {
  Socket s;
  s.sock_.reset(nl_socket_alloc());
  if (!s.sock_) return Error("allocate netlink socket: out of memory");
  if (int rc = nl_connect(s.get(), NETLINK_ROUTE); rc < 0) return nl_error("connect", "rtnetlink", rc);
  return s;
}

Result<Socket> Socket::open_in(int netns_fd) {
  Result<Socket> out = Error("unreachable");
  PIER_CHECK(run_in_netns(netns_fd, [&]() -> Status {
    out = open();
    return out.ok() ? Status{} : Status(out.error());
  }));
  return out;
}

}  // namespace pier::net::netlink
