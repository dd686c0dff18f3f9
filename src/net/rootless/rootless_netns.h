// A user's rootless network namespace (issue 19): one per run directory, holding the
// bridges, veths, nft tables and DNS listeners of all the user's projects, which work
// in it as rootful pier's do on the host (the namespace belongs to pier's user
// namespace, so pier has CAP_NET_ADMIN there). pasta or slirp4netns connects it to
// the outside (connector.h); published ports listen on the host's side (host_side.h).
//
//   <dir>/net            nsfs bind mount: keeps the namespace without a process, in the
//                        mount namespace pier runs in
//   <dir>/lock           held while the namespace is created, entered or released, so
//                        two supervisors starting at once make one namespace
//   <dir>/users          every supervisor inside holds a shared lock on it
//   <dir>/connector.pid  pasta's (or slirp4netns') pid; connector.log its output
//
// A supervisor killed with SIGKILL leaves all of it; the next one enters the same
// namespace and keeps the connector (starting a new one if it died).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/file_lock.h"
#include "base/result.h"
#include "net/ip.h"
#include "net/rootless/host_side.h"

namespace pier::net::rootless {

class RootlessNetns {
 public:
  // Moves the calling thread into the namespace of `dir`, creating and connecting it
  // when missing. Call it on the thread that starts every later thread (the
  // supervisor's main thread), before the loop exists: threads made afterwards are
  // born inside. Published ports then listen on the host's side
  // (published_ports_side()).
  static Result<std::unique_ptr<RootlessNetns>> enter(const std::string& dir);
  ~RootlessNetns();

  // When the caller is the last supervisor inside and no pier bridge is left (the
  // user's last project is down): stops the connector and unmounts the namespace,
  // which goes once the caller exits. Returns whether it did.
  Result<bool> release_if_unused();

  const std::string& dir() const { return dir_; }
  std::string netns_file() const { return dir_ + "/net"; }
  std::string pid_file() const { return dir_ + "/connector.pid"; }
  std::string log_file() const { return dir_ + "/connector.log"; }
  // The connector in use ("pasta", "slirp4netns"), or "" when adopted.
  const std::string& started_connector() const { return connector_; }

 private:
  explicit RootlessNetns(std::string dir) : dir_(std::move(dir)) {}
  Status create_namespace();
  std::string dir_;
  std::unique_ptr<HostSide> host_;
  FileLock user_;
  std::string connector_;
};

// Why the entered namespace has no way out (its connector could not start: no
// pasta/slirp4netns, or /dev/net/tun closed to the user), or none. The supervisor
// still runs, so projects without networks (`network_mode: none`) work; creating a
// project network reports this instead.
const std::optional<Error>& outbound_error();

// The nameservers the embedded DNS server forwards to, as seen from inside: once a
// RootlessNetns is entered, those on the host's loopback (unreachable from inside) are
// replaced by the connector's DNS relay (connector.h dns_relay). Unchanged otherwise.
std::vector<IpAddress> reachable_nameservers(const std::vector<IpAddress>& host_nameservers);

}  // namespace pier::net::rootless
