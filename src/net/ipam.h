// IP address management: which subnet a network gets and which address each
// container gets inside it. Pure logic plus one small state file per project, so
// it is unit-tested without root.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/result.h"
#include "net/ip.h"

namespace pier::net {

// A network's ipam.config entry, after parsing.
struct IpamConfig {
  Subnet subnet;
  std::optional<IpAddress> gateway;     // default: first host
  std::optional<Subnet> ip_range;       // containers get addresses only from here
  std::map<std::string, IpAddress> aux_addresses;  // reserved, never handed out
};

// Docker's default address pools: 172.17-31.0.0/16, then 192.168.0.0/16 cut in /20s.
std::vector<Subnet> default_pools();

// enable_ipv6 without a subnet: /64s of pier's unique local /48, fd70:6965:7200::/48
// (RFC 4193; "pier" in the global ID), in order.
std::vector<Subnet> default_v6_pools();

// The first pool subnet that overlaps none of `taken` (host routes, other projects).
Result<Subnet> choose_subnet(const std::vector<Subnet>& pools, const std::vector<Subnet>& taken);

// Subnets chosen per project, one file per project under a state directory shared by
// all projects (`<dir>/<project>.subnets`, lines "network subnet"). A flock on the
// directory's lock file keeps two pier processes from choosing the same subnet.
class SubnetStore {
 public:
  explicit SubnetStore(std::string dir) : dir_(std::move(dir)) {}

  // The project's subnet for `network`: the recorded one, else a new one from `pools`
  // that avoids `host_routes` and every other project's subnets; recorded at once.
  Result<Subnet> allocate(const std::string& project, const std::string& network,
                          const std::vector<Subnet>& host_routes,
                          const std::vector<Subnet>& pools = default_pools());
  // Records an explicit subnet (ipam.config) so other projects avoid it.
  Status record(const std::string& project, const std::string& network, const Subnet& subnet);
  Result<std::map<std::string, Subnet>> load(const std::string& project) const;
  Status forget(const std::string& project);

 private:
  Result<std::vector<Subnet>> subnets_of_other_projects(const std::string& project) const;
  Status save(const std::string& project, const std::map<std::string, Subnet>& nets);
  std::string path_of(const std::string& project) const;
  std::string dir_;
};

// Addresses handed out inside one network.
class AddressPool {
 public:
  static Result<AddressPool> create(const IpamConfig& config);

  const Subnet& subnet() const { return config_.subnet; }
  IpAddress gateway() const { return gateway_; }
  // The next free address (from ip_range if set), skipping network, broadcast,
  // gateway and aux addresses; does not reuse a just-released address until it wraps.
  Result<IpAddress> allocate(const std::string& owner);
  // A static address (ipv4_address): must lie in the subnet and be free.
  Status reserve(const IpAddress& ip, const std::string& owner);
  // An address a running container already holds, taken over from a previous
  // supervisor: the same checks as reserve, but claiming it again for the same owner
  // is fine, and allocation continues after it, so an address the old run handed out
  // last (perhaps to a container that died in between) is not reused at once.
  Status adopt(const IpAddress& ip, const std::string& owner);
  void release(const IpAddress& ip);
  size_t in_use() const { return owners_.size(); }
  // Who holds `ip`, or "" when it is free.
  std::string owner_of(const IpAddress& ip) const;

 private:
  bool usable(const IpAddress& ip) const;
  IpamConfig config_;
  IpAddress gateway_;
  std::map<IpAddress, std::string> owners_;
  uint64_t next_ = 0;  // index into the allocation range
};

}  // namespace pier::net
