// Non-blocking listening and datagram sockets with errors that name the address,
// e.g. "bind 0.0.0.0:8080 for service web: Address already in use".
#pragma once

#include <string>

#include "base/result.h"
#include "base/unique_fd.h"
#include "net/ip.h"

namespace pier::net {

// type: SOCK_STREAM (bound and, with `listen`, listening) or SOCK_DGRAM (bound). `who`
// goes into the error ("for service web"). Without `listen` a stream socket only
// tells whether the port can be taken: nothing is ever accepted on it.
Result<UniqueFd> bind_socket(int type, const IpAddress& ip, uint16_t port, const std::string& who,
                             bool listen = true);
uint16_t local_port(int fd);
Status set_nonblocking(int fd);

}  // namespace pier::net
