// One Compose network on the host: a bridge with the gateway address, and the
// containers attached to it through veth pairs. Everything is done from the host
// side; the container namespace is reached through a netlink socket opened in it.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "base/result.h"
#include "base/unique_fd.h"
#include "net/ipam.h"
#include "net/netlink/socket.h"

namespace pier::net {

// A container's network namespace as the runtime hands it over (pidfd hook).
class ContainerNetns {
 public:
  // From the child's pid (opens /proc/<pid>/ns/net) or from an open namespace fd.
  static Result<ContainerNetns> from_pid(pid_t pid);
  static Result<ContainerNetns> from_fd(UniqueFd netns);
  // Loopback up; the whole setup for network_mode: none.
  Status bring_up_loopback() const;
  int fd() const { return fd_.get(); }
  const netlink::Socket& socket() const { return sock_; }

 private:
  UniqueFd fd_;
  netlink::Socket sock_;
};

struct NetworkSpec {
  std::string project;
  std::string name;          // the Compose network name
  std::string bridge;        // driver_opts bridge name, or "" for bridge_name()
  bool external = false;     // an existing bridge; never created or deleted
  bool internal = false;     // no default route, no NAT
  int mtu = 0;
  IpamConfig ipv4;
  std::optional<IpamConfig> ipv6;  // enable_ipv6
};

struct AttachSpec {
  std::string container;     // container name, for veth naming and messages
  std::string ifname;        // interface_name; "" = eth0 (ethN for the N-th network)
  std::optional<IpAddress> ipv4;  // ipv4_address
  std::optional<IpAddress> ipv6;
  std::string mac;           // mac_address
  bool default_route = true; // false for every network but the chosen gateway
  int gw_priority = 0;       // higher wins: metric = 1000 - gw_priority
};

struct Endpoint {
  std::string network;
  std::string host_veth;
  std::string ifname;
  IpAddress ipv4;
  std::optional<IpAddress> ipv6;
};

class Network {
 public:
  // Creates the bridge (unless external) with the gateway addresses, up.
  static Result<std::unique_ptr<Network>> create(const netlink::Socket& host, NetworkSpec spec);
  // Removes the bridge unless external. Veths on it go with it.
  Status destroy();

  Result<Endpoint> attach(const ContainerNetns& netns, const AttachSpec& spec);
  // Deletes the host end (the container end goes with it) and frees the addresses.
  Status detach(const Endpoint& endpoint);

  const NetworkSpec& spec() const { return spec_; }
  const std::string& bridge() const { return spec_.bridge; }
  IpAddress gateway() const { return v4_->gateway(); }
  const Subnet& subnet() const { return v4_->subnet(); }
  std::optional<IpAddress> gateway6() const;

 private:
  Network(const netlink::Socket& host, NetworkSpec spec) : host_(host), spec_(std::move(spec)) {}
  Status configure_container_side(const ContainerNetns& netns, const AttachSpec& spec,
                                  const Endpoint& ep);
  const netlink::Socket& host_;
  NetworkSpec spec_;
  int bridge_index_ = 0;
  std::optional<AddressPool> v4_;
  std::optional<AddressPool> v6_;
};

}  // namespace pier::net
