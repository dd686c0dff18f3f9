// A network namespace handle, and running code inside one without moving the
// calling thread (the loop thread must stay in the host namespace).
#pragma once

#include <sys/types.h>

#include <functional>

#include "base/result.h"
#include "base/unique_fd.h"

namespace pier::net {

// Opens /proc/<pid>/ns/net: the runtime hands us the child's pid between
// "namespaces exist" and "exec".
Result<UniqueFd> open_netns_of(pid_t pid);

// Runs `fn` on a short-lived thread that has joined `netns_fd`. Sockets made there
// stay in that namespace after the thread ends, which is how netlink and test
// sockets reach into a container.
Status run_in_netns(int netns_fd, const std::function<Status()>& fn);

// Creates a socket inside the namespace.
Result<UniqueFd> socket_in_netns(int netns_fd, int domain, int type, int protocol = 0);

}  // namespace pier::net
