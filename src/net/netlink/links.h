// Links, addresses and routes over rtnetlink: the few operations pier needs, each a
// single request with its own error message.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "net/ip.h"
#include "net/netlink/socket.h"

namespace pier::net::netlink {

// Creates a bridge and brings it up. Fails if a link of that name exists.
Status create_bridge(const Socket& sock, const std::string& name, int mtu);

// The interface index of `name`, or nullopt when there is no such link.
Result<std::optional<int>> find_link(const Socket& sock, const std::string& name);

Status delete_link(const Socket& sock, const std::string& name);
Status set_link_up(const Socket& sock, const std::string& name);
Result<std::vector<std::string>> list_links(const Socket& sock, const std::string& prefix);
// Names of the links enslaved to the bridge with index `master`.
Result<std::vector<std::string>> list_ports_of(const Socket& sock, int master);

struct VethSpec {
  std::string host_name;  // stays in the caller's namespace, enslaved to `master`
  int master_index = 0;
  std::string peer_name;  // created directly inside peer_netns_fd ("eth0")
  int peer_netns_fd = -1;
  int mtu = 0;            // 0: kernel default
  std::string peer_mac;   // "" keeps the kernel's random address
};
// One request: both ends created, the peer already in the container namespace,
// the host end attached to the bridge and up.
Status create_veth(const Socket& sock, const VethSpec& spec);

Status add_address(const Socket& sock, int ifindex, const IpAddress& ip, int prefix);
// `metric` orders default routes of several networks (gw_priority: higher wins,
// so it maps to a lower metric).
Status add_default_route(const Socket& sock, int ifindex, const IpAddress& gateway, int metric);
// Destination prefixes of every route in the main table (IPAM avoids them).
Result<std::vector<Subnet>> list_route_prefixes(const Socket& sock);

}  // namespace pier::net::netlink
