#include "net/netlink/socket.h"

#include <fmt/format.h>
#include <netlink/errno.h>

#include <cerrno>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include "net/netns.h"

namespace pier::net::netlink {

void Socket::Free::operator()(nl_sock* s) const { nl_socket_free(s); }

namespace {
// libnl folds the kernel's errno into its own codes; map the common ones back so
// messages read like every other pier error ("File exists") and callers can test errnum.
int errno_of(int nlerr) {
  switch (nlerr < 0 ? -nlerr : nlerr) {
    case NLE_EXIST: return EEXIST;
    case NLE_NODEV: return ENODEV;
    case NLE_OBJ_NOTFOUND: return ENOENT;
    case NLE_PERM: return EPERM;
    case NLE_BUSY: return EBUSY;
    case NLE_INVAL: return EINVAL;
    case NLE_RANGE: return ERANGE;
    case NLE_NOADDR: return EADDRNOTAVAIL;
    case NLE_NOMEM: return ENOMEM;
    case NLE_AGAIN: return EAGAIN;
    case NLE_OPNOTSUPP: return EOPNOTSUPP;
    case NLE_AF_NOSUPPORT: return EAFNOSUPPORT;
    case NLE_NOACCESS: return EACCES;
    default: return 0;
  }
}
}  // namespace

Error nl_error(std::string_view operation, std::string_view object, int nlerr) {
  if (int err = errno_of(nlerr)) return Error(fmt::format("{} {}", operation, object), err);
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
