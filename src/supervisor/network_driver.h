// What the supervisor asks of a project's networking, as an interface: the real one
// is Networking (bridges, veths, DNS, port forwards over net::ProjectNetwork); the
// unit tests run the supervisor's lifecycle over a fake that only records. Runs on the
// loop thread only.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "base/result.h"
#include "compose/model.h"
#include "state/container_record.h"
#include "plan/network.h"
#include "plan/plan.h"

namespace pier::supervisor {

using plan::NetworkPlan;

class NetworkDriver {
 public:
  // What a container attached to its networks answers to, and the contents of its
  // /etc/hosts and /etc/resolv.conf.
  struct Attached {
    std::vector<state::EndpointRecord> endpoints;
    std::string hosts, resolv_conf;
  };

  virtual ~NetworkDriver() = default;

  // What ensure_networks does with a network that exists with another configuration
  // than the file's (another subnet, labels, driver_opts...): `keep` takes it as it is
  // (recovery, `run`); `report` leaves it alone and returns its name, for `up` to stop
  // what is on it and make it anew (recreate_network), as Compose does.
  enum class OnChange { keep, report };

  // Creates (or, after a crash, takes back) the bridges of these services' networks.
  virtual Result<std::vector<std::string>> ensure_networks(const compose::Project& project,
                                                           const std::vector<std::string>& services,
                                                           OnChange on_change) = 0;
  // Removes the network (no container may be attached to it any more) and makes it
  // from the file's definition.
  virtual Status recreate_network(const compose::Project& project, const std::string& network) = 0;
  // Attaches a starting container (its namespaces exist, it has not exec'd yet); for
  // none/host/shared it only writes the files (plan::files_without_bridge).
  virtual Result<Attached> attach(const std::string& container, pid_t pid, const NetworkPlan& plan) = 0;
  // A running container a crashed supervisor left: its endpoints are taken back.
  virtual Status adopt(const std::string& container, const std::vector<state::EndpointRecord>& endpoints) = 0;
  virtual Result<std::vector<state::PublishedPort>> publish(const std::string& container, const std::string& service,
                                                            int replica, const NetworkPlan& plan,
                                                            const std::vector<state::EndpointRecord>& endpoints) = 0;
  virtual void release(const std::string& container) = 0;
  // The held namespaces of a provider, created when missing.
  virtual Result<plan::PlanInputs::HeldNamespaces> hold_namespaces(const std::string& container) = 0;
  // `down`: every kernel object of the project's networking, also what a crashed
  // supervisor left.
  virtual Status teardown() = 0;
};

}  // namespace pier::supervisor
