// The default network of a build's RUN steps: a bridge of its own with NAT, made with
// the net module under the build's project name (`build-<pid>-<n>`) at the first RUN
// that needs it and removed when the build ends. It is recorded like a project's
// bridge (<root>/network/<project>.bridges, before it is created), so a build that
// died is cleaned up by the next build (a record whose pid is gone).
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>

#include "base/result.h"
#include "net/netlink/socket.h"
#include "net/network.h"

namespace pier::builder::detail {

class BuildNetwork {
 public:
  static Result<std::unique_ptr<BuildNetwork>> create(const std::string& pier_root, const std::string& project);
  ~BuildNetwork();
  // Called in the step's before-exec hook: a veth into the container as eth0, with
  // the default route through the bridge.
  Result<net::Endpoint> attach(pid_t pid, const std::string& container);
  // After the step: its address back to the pool (the veth went with its namespace).
  void release(const net::Endpoint& endpoint);

 private:
  BuildNetwork(net::netlink::Socket host, std::string state_dir, std::string project)
      : host_(std::move(host)), state_dir_(std::move(state_dir)), project_(std::move(project)) {}
  net::netlink::Socket host_;
  std::string state_dir_, project_;
  std::unique_ptr<net::Network> network_;
};

}  // namespace pier::builder::detail
