// An rtnetlink socket (libnl), bound to the namespace it was opened in.
#pragma once

#include <memory>
#include <string>

#include "base/result.h"

struct nl_sock;

namespace pier::net::netlink {

class Socket {
 public:
  static Result<Socket> open();               // in the caller's namespace
  static Result<Socket> open_in(int netns_fd);  // inside another namespace
  nl_sock* get() const { return sock_.get(); }

 private:
  struct Free {
    void operator()(nl_sock* s) const;
  };
  std::unique_ptr<nl_sock, Free> sock_;
};

// "create bridge pier-ab12: Object exists" from a libnl error code.
Error nl_error(std::string_view operation, std::string_view object, int nlerr);

}  // namespace pier::net::netlink
