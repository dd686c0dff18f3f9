#include "supervisor/port_conflicts.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <map>

#include "net/ports.h"

namespace pier::supervisor {
namespace {

struct Taker {
  std::string service;
  int replica = 0;
  std::string host_ip;  // "" = every address
};

bool is_v6(const std::string& ip) { return ip.find(':') != std::string::npos; }

// Two binds of one port clash when either covers the other's address.
bool overlap(const std::string& a, const std::string& b) {
  auto every = [](const std::string& ip, const std::string& other) {
    return ip.empty() || (ip == "0.0.0.0" && !is_v6(other)) || (ip == "::" && is_v6(other));
  };
  return a == b || every(a, b) || every(b, a);
}

// The host port replica `replica` (1-based) takes from `published`, or 0 when the
// range has none left (the proxy reports that one when it starts).
int port_of(const std::string& published, int replica) {
  auto dash = published.find('-');
  int low = std::atoi(published.substr(0, dash).c_str());
  if (dash == std::string::npos) return low;
  int high = std::atoi(published.substr(dash + 1).c_str());
  return low + replica - 1 <= high ? low + replica - 1 : 0;
}

}  // namespace

Status check_host_ports(const compose::Project& project, const std::vector<std::pair<std::string, int>>& services) {
  std::map<std::pair<std::string, int>, std::vector<Taker>> taken;  // (protocol, port)
  for (const auto& [name, replicas] : services) {
    const auto* service = project.find_service(name);
    // Other network modes publish nothing (pier, like Docker, ignores their `ports`).
    if (!service || (!service->network_mode.empty() && service->network_mode != "bridge")) continue;
    for (const auto& p : service->ports) {
      if (p.published.empty()) continue;
      for (int replica = 1; replica <= replicas; ++replica) {
        int port = port_of(p.published, replica);
        if (port == 0) continue;
        Taker me{name, replica, p.host_ip};
        auto& list = taken[{p.protocol, port}];
        for (const auto& other : list) {
          if (!overlap(other.host_ip, me.host_ip)) continue;
          auto where = service->key_marks.count("ports") ? service->key_marks.at("ports") : service->mark;
          std::string what =
              fmt::format("host port {}/{}{}", port, p.protocol, me.host_ip.empty() ? "" : " on " + me.host_ip);
          if (other.service == name && other.replica == replica)
            return Error(fmt::format("service {} publishes {} twice", name, what))
                .at(where.to_string())
                .hint("remove one of the two entries");
          if (other.service == name)
            return Error(fmt::format("service {}: replicas {} and {} would both publish {}", name, other.replica,
                                     replica, what))
                .at(where.to_string())
                .hint("publish a range with a port per replica (\"8000-8003:80\"), or leave the host port out so "
                      "each replica gets a free one");
          return Error(fmt::format("services {} and {} both publish {}", other.service, name, what))
              .at(where.to_string())
              .hint("publish one of them on another host port");
        }
        list.push_back(me);
      }
    }
  }
  return {};
}

namespace {

// Ports of a range are published by the kernel and hold no socket (net/ports.h).
uint64_t listeners_of(const compose::Service& service) {
  std::vector<net::PortKey> keys;
  for (const auto& p : service.ports) {
    uint32_t published = 0;
    if (!p.published.empty() && p.published.find('-') == std::string::npos)
      published = static_cast<uint32_t>(std::strtoul(p.published.c_str(), nullptr, 10));
    keys.push_back({p.protocol == "udp" ? IPPROTO_UDP : IPPROTO_TCP, p.host_ip, published, p.target});
  }
  auto runs = net::in_port_runs(keys);
  return static_cast<uint64_t>(std::count(runs.begin(), runs.end(), false));
}

}  // namespace

Status check_listener_budget(const compose::Project& project, const std::vector<std::pair<std::string, int>>& services,
                             uint64_t fd_limit) {
  uint64_t listeners = 0, most = 0;
  const compose::Service* biggest = nullptr;
  for (const auto& [name, replicas] : services) {
    const auto* service = project.find_service(name);
    if (!service || (!service->network_mode.empty() && service->network_mode != "bridge")) continue;
    uint64_t mine = listeners_of(*service) * uint64_t(std::max(replicas, 0));
    listeners += mine;
    if (mine > most) most = mine, biggest = service;
  }
  if (listeners <= fd_limit / 2) return {};
  auto where = biggest->key_marks.count("ports") ? biggest->key_marks.at("ports") : biggest->mark;
  return Error(fmt::format("{} published ports need as many listening sockets, more than half of the "
                           "supervisor's open-file limit ({}); service {} alone publishes {}",
                           listeners, fd_limit, biggest->name, most))
      .at(where.to_string())
      .hint("publish fewer ports (a smaller range), or raise the limit (`ulimit -n`) before `pier up`");
}

}  // namespace pier::supervisor
