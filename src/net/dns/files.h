// Contents of a container's /etc/resolv.conf and /etc/hosts, as plain strings the
// runtime writes into the container; and the host's resolv.conf as upstreams.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "net/ip.h"

namespace pier::net::dns {

struct ResolvConf {
  std::vector<IpAddress> nameservers;
  std::vector<std::string> search;
  std::vector<std::string> options;
};

// Reads nameserver/search/domain/options lines; ignores comments and junk.
ResolvConf parse_resolv_conf(std::string_view text);

struct ContainerDns {
  std::vector<std::string> dns_search;  // replaces the host's search list when set
  std::vector<std::string> dns_opt;     // replaces the host's options when set
};
// nameserver = the embedded server (the gateway of the container's first network).
// Compose `dns:` entries do not appear here: they become that container's upstreams
// in the embedded server, as with Docker, so container names still resolve.
std::string container_resolv_conf(const IpAddress& embedded_server, const ResolvConf& host,
                                  const ContainerDns& dns);

struct HostsEntry {
  std::string name;
  std::string address;  // an IP, or "host-gateway"
};
// Parses a Compose extra_hosts item: "name:ip", "name=ip", "name:host-gateway";
// IPv6 addresses may be bracketed ("name:[::1]").
Result<HostsEntry> parse_extra_host(std::string_view item);

struct HostsInput {
  std::vector<IpAddress> own_addresses;  // the container's addresses
  std::vector<std::string> own_names;    // hostname, then container name and aliases
  std::vector<HostsEntry> extra_hosts;
  IpAddress host_gateway;  // what "host-gateway" means here
  // False when the container has no IPv6 (none of its networks has enable_ipv6): the
  // IPv6 lines are left out, so `localhost` does not resolve to an unusable ::1 first.
  bool ipv6 = true;
};
Result<std::string> container_hosts(const HostsInput& input);

}  // namespace pier::net::dns
