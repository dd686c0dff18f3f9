// A network namespace handle, and running code inside one without moving the
// calling thread (the loop thread must stay in the host namespace).
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

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

// Namespaces that outlive every process in them: a thread unshares a fresh network
// and UTS namespace and bind-mounts /proc/thread-self/ns/{net,uts} onto `net_file`
// and `uts_file` (as `ip netns add` does), then ends. Containers join them by path, so
// one that restarts comes back into the same namespace and those sharing it keep
// their interfaces. Loopback is brought up. Files that already hold a namespace are
// kept as they are.
Status hold_new_namespaces(const std::string& net_file, const std::string& uts_file);
// True when `file` is an nsfs mount (a held namespace).
bool holds_namespace(const std::string& file);
// Unmounts (lazily: a container still inside keeps its namespace) and removes each
// file; missing files are fine. Returns the first failure and carries on.
Status release_held_namespaces(const std::vector<std::string>& files);

}  // namespace pier::net
