// What the supervisor asks of a project's networking, as an interface: the real one
// is Networking (bridges, veths, DNS, port forwards over net::ProjectNetwork); the
// unit tests run the supervisor's lifecycle over a fake that only records. Runs on the
// loop thread only.
#pragma once

#include <sys/types.h>

#include <memory>
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
  // The part of a starting container's attach that runs on the worker starting it,
  // between "its namespaces exist" and "it execs" (runtime::SpawnOptions::before_exec):
  // the netlink work, which may then run for several containers side by side. It
  // touches none of the driver's state.
  class PendingAttach {
   public:
    virtual ~PendingAttach() = default;
    virtual Result<Attached> apply(pid_t pid) = 0;
  };
  // Reserves a starting container's addresses and DNS names, and returns the work
  // that attaches it; for none/host/shared that work only brings loopback up (none)
  // and gives the files (plan::files_without_bridge).
  virtual Result<std::unique_ptr<PendingAttach>> prepare_attach(const std::string& container,
                                                                const NetworkPlan& plan) = 0;
  // Once the start is over: the container's endpoints registered (`applied`; release
  // undoes that), or what prepare_attach reserved given back.
  virtual void finish_attach(PendingAttach& pending, bool applied) = 0;
  // A running container a crashed supervisor left: its endpoints are taken back, and
  // its `dns:` servers (`plan`) serve it again.
  virtual Status adopt(const std::string& container, const std::vector<state::EndpointRecord>& endpoints,
                       const NetworkPlan& plan) = 0;
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
