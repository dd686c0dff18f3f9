// Compose networking on top of net::ProjectNetwork: which bridges a project needs,
// what each container attaches to and answers to, its /etc/hosts and resolv.conf,
// and its published ports. Runs on the loop thread only.
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
#include "state/container_record.h"
#include "state/paths.h"
#include "plan/plan.h"

namespace pier::supervisor {

// How a container is networked, decided from its service before it starts.
struct NetworkPlan {
  enum class Mode { bridge, none, host, shared };  // shared: service:/container: namespace
  Mode mode = Mode::bridge;
  std::vector<net::ContainerNetwork> networks;  // bridge mode, first = default route
  std::vector<compose::ServicePort> ports;
  std::vector<compose::ExtraHost> extra_hosts;
  std::vector<std::string> dns, dns_search, dns_opt;
  std::vector<std::string> own_names;  // hostname first, for /etc/hosts
  std::string hostname;
};

// A static address that is not an IP is an error naming the service and the file.
Result<NetworkPlan> plan_network(const compose::Project& project, const compose::Service& service,
                         const std::string& container_name, const std::string& hostname);

// A container whose network others join (`network_mode: service:<its service>` or
// `container:<its name>`) while it has a network namespace of its own (bridge or none):
// pier holds its network and UTS namespaces in files so that it restarts into them.
bool is_namespace_provider(const compose::Project& project, const compose::Service& service,
                           const std::string& container, bool oneoff);

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
  // Files for a container not on a bridge (none/host).
  Result<Attached> files_without_bridge(const NetworkPlan& plan);
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
