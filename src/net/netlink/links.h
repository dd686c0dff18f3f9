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

// The link's index and the index of the bridge it is enslaved to (0: none), or
// nullopt when there is no such link.
struct LinkInfo {
  int index = 0;
  int master = 0;
};
Result<std::optional<LinkInfo>> get_link(const Socket& sock, const std::string& name);

Status delete_link(const Socket& sock, const std::string& name);
// Like delete_link, but a link that is already gone (or vanishes while we ask, as a
// veth does when its container's namespace is destroyed) is no error.
Status delete_link_if_exists(const Socket& sock, const std::string& name);
// Deletes the links with these indexes; one already gone is no error. By index, not by
// name: a link made since under the same name (a container started again) stays.
Status delete_links_by_index(const Socket& sock, const std::vector<int>& ifindexes);
Status set_link_up(const Socket& sock, const std::string& name);
Result<std::vector<std::string>> list_links(const Socket& sock, const std::string& prefix);
// Names of the links enslaved to the bridge with index `master`.
Result<std::vector<std::string>> list_ports_of(const Socket& sock, int master);
// Enslaves link `name` to the bridge with index `master` and brings it up.
Status set_link_master(const Socket& sock, const std::string& name, int master);

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
struct LinkAddress {
  IpAddress ip;
  int prefix = 0;
};
// The addresses of `family` (AF_INET or AF_INET6) on the link with index `ifindex`.
Result<std::vector<LinkAddress>> list_addresses(const Socket& sock, int ifindex, int family);
// `metric` orders default routes of several networks (gw_priority: higher wins,
// so it maps to a lower metric).
Status add_default_route(const Socket& sock, int ifindex, const IpAddress& gateway, int metric);
// Destination prefixes of every route in the main table (IPAM avoids them).
Result<std::vector<Subnet>> list_route_prefixes(const Socket& sock);

}  // namespace pier::net::netlink
