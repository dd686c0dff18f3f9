// Compose networking on top of net::ProjectNetwork: creates the bridges a project's
// networks need, attaches each container as its NetworkPlan says (plan/network.h
// decides that), writes its /etc/hosts and resolv.conf once its addresses are known,
// and publishes its ports. Runs on the loop thread only.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "compose/model.h"
#include "event/loop.h"
#include "net/dns/files.h"
#include "net/project_network.h"
#include "plan/network.h"
#include "plan/plan.h"
#include "state/container_record.h"
#include "state/paths.h"

namespace pier::supervisor {

using plan::NetworkPlan;

class Networking {
 public:
  Networking(event::Loop& loop, state::ProjectPaths paths) : loop_(loop), paths_(std::move(paths)) {}

  // Creates (or, after a crash, takes back) the bridges of these services' networks.
  Status ensure_networks(const compose::Project& project, const std::vector<std::string>& services);
  // Attaches a starting container (its namespaces exist, it has not exec'd yet) and
  // returns the contents of its /etc/hosts and /etc/resolv.conf.
  struct Attached {
    std::vector<state::EndpointRecord> endpoints;
    std::string hosts, resolv_conf;
  };
  Result<Attached> attach(const std::string& container, pid_t pid, const NetworkPlan& plan);
  Status adopt(const std::string& container, const std::vector<state::EndpointRecord>& endpoints);
  Result<std::vector<state::PublishedPort>> publish(const std::string& container, const std::string& service,
                                                    int replica, const NetworkPlan& plan,
                                                    const std::vector<state::EndpointRecord>& endpoints);
  void release(const std::string& container);
  // The held namespaces of a provider, created when missing (after a crash they are
  // still there: the mounts, not a process, keep them). Removed with the container
  // (ManagedContainer::remove) and at teardown.
  Result<plan::PlanInputs::HeldNamespaces> hold_namespaces(const std::string& container);
  // `down`: removes every kernel object of the project's networking, also what a
  // crashed supervisor left.
  Status teardown();

 private:
  Status open();
  Status release_all_held();
  event::Loop& loop_;
  state::ProjectPaths paths_;
  std::unique_ptr<net::ProjectNetwork> net_;
  net::dns::ResolvConf host_resolv_;
};

}  // namespace pier::supervisor
