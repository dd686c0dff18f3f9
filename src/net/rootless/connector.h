// What connects a user's rootless network namespace to the outside: `pasta` (Debian
// `passt`), else `slirp4netns`. Either runs as its own process, outlives the
// supervisor that started it, and is found again through its pid file.
//
// Containers get no path to the host's loopback through it (pasta `--no-map-gw`,
// slirp4netns `--disable-host-loopback`), as rootful pier's martian check gives none,
// and it forwards no port by itself (pasta `-t/-u/-T/-U none`): published ports are
// pier's proxy's, listening on the host's side (host_side.h).
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "net/ip.h"

namespace pier::net::rootless {

struct ConnectorFiles {
  std::string netns;     // the nsfs bind mount of the namespace to connect
  std::string pid_file;  // the connector's pid, written once it is ready
  std::string log_file;  // its output (pasta prints why it failed there)
  // pasta only: an open fd of the namespace, passed down to pasta and named by `netns`
  // as `/proc/self/fd/<fd>`, for a namespace pier may open but pasta may not (a
  // container's, whose process is not dumpable). -1: `netns` is a path pasta opens.
  int netns_fd = -1;
};

// Starts the first connector found on PATH. Call it in the host's namespace: pasta
// and slirp4netns open their outside sockets in the namespace they start in.
// Returns the connector's name.
Result<std::string> start_connector(const ConnectorFiles& files);

// The pid of the connector the pid file names, while it runs (a pid reused by another
// program does not count).
std::optional<pid_t> running_connector(const std::string& pid_file);

// Where the running connector answers DNS inside the namespace, relaying to the host's
// resolver from the host's side, where a resolver on the host's loopback (such as
// systemd-resolved's 127.0.0.53) is reachable: pasta's `--dns-forward` address,
// slirp4netns' built-in 10.0.2.3. nullopt when none runs.
inline constexpr const char* kPastaDnsRelay = "169.254.1.1";
std::optional<IpAddress> dns_relay(const std::string& pid_file);

// Stops it (SIGTERM, then SIGKILL after a second) and removes the pid file.
Status stop_connector(const std::string& pid_file);

// The argument vectors, as data (the flags above are the defence).
std::vector<std::string> pasta_arguments(const std::string& binary, const ConnectorFiles& files);
std::vector<std::string> slirp4netns_arguments(const std::string& binary, const std::string& netns, int ready_fd);

}  // namespace pier::net::rootless
