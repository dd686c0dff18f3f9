// How a container is networked, read from its service and the project's networks:
// its mode, the networks it joins with its addresses and names, the net module's spec
// of each Compose network, and the /etc/hosts and resolv.conf of a container that is
// on no bridge. Data only: supervisor/networking.cpp creates and attaches.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "base/result.h"
#include "compose/model.h"
#include "net/project_network.h"

namespace pier::plan {

// Filled by the plan_networking step (ServicePlan::network).
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

// A container whose network others join (`network_mode: service:<its service>` or
// `container:<its name>`) while it has a network namespace of its own (bridge or none):
// pier holds its network and UTS namespaces in files so that it restarts into them.
bool is_namespace_provider(const compose::Project& project, const compose::Service& service,
                           const std::string& container, bool oneoff);

// A Compose network as the net module takes it, and whether it names its IPv4 subnet.
// compose/ checked every ipam address when it loaded the project.
Result<std::pair<net::NetworkSpec, bool>> network_spec(const std::string& name, const compose::NetworkConfig& config);

// /etc/hosts and /etc/resolv.conf of a container on no bridge: the host's files with
// `network_mode: host`, loopback and extra_hosts only with `none`.
struct NetworkFiles {
  std::string hosts, resolv_conf;
};
NetworkFiles files_without_bridge(const NetworkPlan& plan);

}  // namespace pier::plan
