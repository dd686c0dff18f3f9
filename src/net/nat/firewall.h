// The project's nftables table (family inet: IPv4 and IPv6 in one table): DNAT for
// published ports (traffic from outside and from other containers), masquerade for
// outbound traffic of non-internal networks, and isolation between networks. One table per project, named after it, replaced
// atomically and removed at `down` (design rule 4). Built as nft text, applied
// through libnftables: the rendering is unit-tested as data.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "net/ip.h"
#include "net/ports.h"

namespace pier::net::nat {

struct NetworkRules {
  std::string bridge;
  Subnet subnet;
  bool internal = false;
  std::optional<Subnet> subnet6;  // enable_ipv6
};

struct ProjectFirewall {
  std::string project;
  std::vector<NetworkRules> networks;
  std::vector<PortMapping> ports;  // host_port must be known (not 0)
};

std::string render_ruleset(const ProjectFirewall& fw);
// Replaces the project's table with the rendered one in one nft transaction.
Status apply_ruleset(const ProjectFirewall& fw);
// Deletes the project's table; no error when there is none.
Status remove_ruleset(const std::string& project);
Result<bool> ruleset_exists(const std::string& project);
// Names of every pier_* table (the leak check and crash recovery use it).
Result<std::vector<std::string>> list_pier_tables();

// Frees the nftables contexts this process keeps between commands: their sockets and
// the caches libnftables fills as it applies a table (~0.6 MiB of hash tables). A
// supervisor calls it once its work is over; the next change makes a new context.
void release_contexts();

// net.ipv4.ip_forward = 1: containers' traffic must be routed by the host.
Status enable_ip_forwarding();
// net.ipv6.conf.all.forwarding = 1, for networks with enable_ipv6 (as Docker does).
Status enable_ipv6_forwarding();

}  // namespace pier::net::nat
